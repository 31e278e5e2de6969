"""Data named by an http(s) URL: downloaded once into the cache, then read as the local file,
by the library and by every command; a download that fails is one line and leaves no file."""

import http.server
import threading

import numpy as np
import pytest

from deltaprop.cli import main
from deltaprop.data import DataError, load, read_features
from deltaprop.data.remote import cache_folder, local_copy

TABLE = "a,b,label\n" + "".join(f"{i},{i % 3},{'xy'[i % 2]}\n" for i in range(60))


class Server:
    """A web server on the loopback interface: ``files`` (path -> bytes), a path ``cut`` that
    announces more bytes than it sends, and a log of the paths asked for."""

    def __init__(self, files: dict[str, bytes]):
        self.files, self.asked = files, []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.asked.append(self.path)
                if self.path == "/cut.csv":
                    self.send_response(200)
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    self.wfile.write(TABLE.encode()[:100])
                    return
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404, "Not Found")
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # quiet
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(tmp_path, monkeypatch):
    monkeypatch.setenv("DELTAPROP_CACHE", str(tmp_path / "cache"))
    started = Server({"/data/table.csv": TABLE.encode(), "/new.csv": b"a,b\n1,2\n5,1\n"})
    yield started
    started.stop()


def test_a_url_is_downloaded_once_and_read_as_the_file(server, tmp_path):
    local = tmp_path / "table.csv"
    local.write_text(TABLE)
    url = f"{server.url}/data/table.csv"
    ds = load(url, label="label")
    expected = load(local, label="label")
    np.testing.assert_array_equal(ds.X, expected.X)
    assert ds.y.tolist() == expected.y.tolist()
    assert ds.description.startswith(f"{url}: 60 examples")
    kept = local_copy(url)
    assert kept.parent.parent == tmp_path / "cache" / "downloads" and kept.name == "table.csv"
    server.stop()  # from now on, only the cache can answer
    assert load(url, label="label").m == 60
    assert read_features(f"{server.url}/data/table.csv", 2).shape == (60, 2)
    assert server.asked == ["/data/table.csv"]


def test_a_download_that_fails_is_one_line_and_leaves_no_file(server, tmp_path):
    with pytest.raises(
        DataError, match=r"/nope\.csv: cannot be downloaded \(HTTP 404 Not Found\)$"
    ):
        load(f"{server.url}/nope.csv")
    with pytest.raises(
        DataError, match=r"/cut\.csv: cannot be downloaded \(cut short: 100 of 1,000 bytes\)$"
    ):
        load(f"{server.url}/cut.csv")
    with pytest.raises(DataError, match=r"/data/: the URL names no file"):
        load(f"{server.url}/data/")
    cache = tmp_path / "cache" / "downloads"
    assert not cache.exists() or list(cache.rglob("*")) == []  # no file, no part, no folder
    server.stop()
    with pytest.raises(DataError, match=r"cannot be downloaded \(Connection refused\)"):
        load(f"{server.url}/data/table.csv")


def test_the_cache_folder_is_deltaprops_variable_or_xdgs_or_the_homes(monkeypatch, tmp_path):
    monkeypatch.setenv("DELTAPROP_CACHE", str(tmp_path / "mine"))
    assert cache_folder() == tmp_path / "mine"
    monkeypatch.delenv("DELTAPROP_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_folder() == tmp_path / "xdg" / "deltaprop"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_folder() == tmp_path / "home" / ".cache" / "deltaprop"


def test_train_evaluate_and_predict_take_urls(server, tmp_path, capsys):
    url = f"{server.url}/data/table.csv"
    model = tmp_path / "m.npz"
    argv = ["train", "--data", url, "--label", "label", "--epochs", "3", "--quiet"]
    assert main([*argv, "--out", str(model)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"data: {url}: 60 examples, 2 features")
    assert main(["evaluate", str(model)]) == 0  # the model's data, from the cache
    assert capsys.readouterr().out.startswith(f"data: {url} (test part, 15 examples)")
    assert main(["predict", str(model), f"{server.url}/new.csv", "--labels-only"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "label"
    assert main(["train", "--data", f"{server.url}/none.csv"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"deltaprop: error: {server.url}/none.csv: cannot be downloaded (HTTP 404 "
                   "Not Found)"]  # fmt: skip
    assert server.asked == ["/data/table.csv", "/new.csv", "/none.csv"]
