"""genomic_tensors: genomics files as tensors for deep learning, and the Keras tools of the
Janggu case studies (Kopp et al., Nat Commun 2020)."""

__version__ = "0.1.0"
