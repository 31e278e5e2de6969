"""deltaprop.data: getting data into deltaprop.

Readers for the formats people have (CSV/TSV, .npz, MNIST's IDX files), well-known sets with no
download (scikit-learn's bundled ones) and seeded synthetic problems, all returning a
:class:`Dataset` whose X holds examples as ROWS (m, n_x). Labels are encoded with
:class:`LabelEncoder` (or read as a regression target with :func:`numeric_targets`), parts drawn
with :func:`stratified_split` (:func:`random_split` for a target), features scaled with a
:class:`Standardizer` or :class:`PixelScaler` fitted on the training rows (a table with text
columns or missing cells: a :class:`TableEncoder`), and finally
:func:`to_columns` turns rows into the engine's layout, examples as columns (n_x, m).

numpy is the only requirement; scikit-learn is imported only by :func:`load_bundled`. Nothing
here imports the rest of deltaprop; every bad input raises :class:`DataError`.
"""

from .bundled import BUNDLED, load_bundled
from .csvfile import (
    first_row,
    names_model_columns,
    read_columns,
    read_csv,
    read_features,
)
from .csvtable import MissingValueError
from .dataset import Dataset, check_dataset
from .encoding import TableEncoder, UnusableColumnError, column_kinds
from .errors import DataError
from .idx import read_idx, read_mnist_dir
from .labels import LabelEncoder
from .layout import to_columns
from .loader import load
from .npzfile import read_npz, read_npz_features
from .preprocessing import PixelScaler, Standardizer, make_preprocessor
from .splits import random_split, stratified_split
from .synthetic import SYNTHETIC, make_blobs, make_circles, make_moons, make_spirals, make_xor
from .targets import fractional_label, numeric_targets

__all__ = [
    "BUNDLED",
    "SYNTHETIC",
    "DataError",
    "Dataset",
    "LabelEncoder",
    "MissingValueError",
    "PixelScaler",
    "Standardizer",
    "TableEncoder",
    "UnusableColumnError",
    "check_dataset",
    "column_kinds",
    "first_row",
    "fractional_label",
    "load",
    "load_bundled",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_preprocessor",
    "make_spirals",
    "make_xor",
    "names_model_columns",
    "numeric_targets",
    "random_split",
    "read_csv",
    "read_columns",
    "read_features",
    "read_idx",
    "read_mnist_dir",
    "read_npz",
    "read_npz_features",
    "stratified_split",
    "to_columns",
]
