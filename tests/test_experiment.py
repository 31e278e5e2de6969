"""deltaprop.experiment: the one path from a data set to the parts the engine trains on, which
train, evaluate, the plots and the report all take."""

import numpy as np
import pytest

from deltaprop.data import DataError
from deltaprop.experiment import load_dataset, prepare_data


def test_the_standardisation_is_fitted_on_the_training_part_alone():
    """No statistic of the validation or test examples leaks into the preprocessing: the
    training features have mean 0 and unit spread, the held-out ones only roughly."""
    parts = prepare_data("iris")
    np.testing.assert_allclose(parts.X_train.mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(parts.X_train.std(axis=1), 1, atol=1e-5)
    assert np.abs(parts.X_test.mean(axis=1)).max() > 1e-3


def test_no_validation_part_keeps_every_example_outside_the_test_part_for_training():
    parts = prepare_data("iris", validation=0.0)
    assert parts.X_val is None and parts.y_val is None
    assert (parts.X_train.shape[1], parts.X_test.shape[1]) == (113, 37)


def test_the_weight_column_weighs_the_training_examples(tmp_path):
    """Each training example keeps the weight of its own row (here 1 + its label)."""
    rng = np.random.default_rng(0)
    rows = ["u,v,importance,label"]
    rows += [f"{rng.normal():.3f},{rng.normal():.3f},{1 + i % 2},{i % 2}" for i in range(60)]
    csv = tmp_path / "weighted.csv"
    csv.write_text("\n".join(rows) + "\n")
    parts = prepare_data(str(csv), weight="importance")
    assert parts.X_train.shape[0] == 2  # the weight is not a feature
    np.testing.assert_array_equal(parts.w_train, 1 + parts.y_train)


def test_a_column_given_as_a_negative_number_counts_from_the_end(tmp_path):
    csv = tmp_path / "first.csv"
    csv.write_text("label,u,v\na,1,2\nb,3,4\na,5,6\n")
    assert load_dataset(str(csv), label="-3").y.tolist() == ["a", "b", "a"]


@pytest.mark.parametrize("name", ["X.NPZ", "folder"])
def test_a_label_column_is_refused_for_data_that_have_no_columns(tmp_path, name):
    if name == "folder":
        (tmp_path / name).mkdir()
        kind = "a folder of IDX files"
    else:
        np.savez(tmp_path / name, X=np.zeros((4, 2)), y=np.array([0, 1, 0, 1]))
        kind = "an .npz file"
    spec = str(tmp_path / name)
    with pytest.raises(DataError) as error:
        load_dataset(spec, label="0")
    assert str(error.value) == f"--label applies to CSV files; {spec} is {kind}"


@pytest.mark.parametrize(
    "settings,layout",
    [
        ({"label": None}, (4, [0, 1, 2])),  # the label last by default
        ({"label": "0"}, (4, [1, 2, 3])),
        ({"label": "-1", "sample_weight": "0", "ignore": ["2"]}, (6, [1, 3, 4])),
        ({"label": ["3", "4"]}, (5, [0, 1, 2])),
        ({"label": "species"}, (3, [0, 1, 2])),  # named: the features alone
        ({"label": "0", "ignore": ["id"]}, (3, [0, 1, 2])),
        ({"label": "0", "sample_weight": "0"}, (3, [0, 1, 2])),  # one column twice: damaged
        ({"label": 7}, (3, [0, 1, 2])),  # outside the file: damaged
    ],
)
def test_a_models_layout_follows_its_columns_given_by_position(settings, layout):
    from types import SimpleNamespace

    from deltaprop.experiment import model_layout

    model = SimpleNamespace(n_features=3, info={"settings": settings})
    assert model_layout(model) == layout
    assert model_layout(SimpleNamespace(n_features=3, info={})) is None
