"""genomic_tensors: genomics files as tensors for deep learning, and the Keras tools of the
Janggu case studies (Kopp et al., Nat Commun 2020)."""

__version__ = "0.1.0"

from genomic_tensors.coverage import Cover
from genomic_tensors.dataset import RandomOrientation, RandomShift, split_by_chromosome
from genomic_tensors.sequence import Bioseq

__all__ = ["Bioseq", "Cover", "RandomOrientation", "RandomShift", "__version__", "split_by_chromosome"]
