"""Parameters of the synthetic demo world and the manifest of what it wrote.

:class:`WorldParams` validates the ``world:`` section of a config; :class:`Manifest` is written as
``manifest.json`` next to the world's files. Neither needs more than the standard library.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Bump whenever the same parameters give different files: the demo_world rule has it as a parameter, so
# an existing demo directory regenerates its world (and everything built from it) on the next run.
# 2: CpG islands at promoters, 400 genes per Mb.
FORMAT_VERSION = 2
DEFAULT_MOTIFS = (
    Path(__file__).resolve().parents[3] / "resources" / "motifs" / "jaspar2024_selected.jaspar"
)


@dataclass(frozen=True)
class WorldParams:
    """Parameters of the demo world; every field has a default. Densities are per Mb of non-N sequence.

    Build from a config mapping with :meth:`from_mapping` (unknown keys are an error naming them).
    """

    seed: int = 7
    chrom_sizes: tuple[int, ...] = (
        903_217,
        702_391,
        651_823,
        604_159,
        598_771,
        553_087,
        547_619,
        502_533,
        497_041,
    )
    include_chrM: bool = True
    gc_content: float = 0.41
    cpg_depletion: float = 0.75
    repeat_fraction: float = 0.05
    telomere_n: int = 10_000
    # case 1: JunD
    jund_clusters_per_mb: float = 15.0
    jund_cluster_length: int = 20_000
    jund_peaks_per_cluster: int = 10
    jund_sites_per_peak: int = 2
    jund_indirect_fraction: float = 0.15
    jund_decoys_per_site: float = 0.7
    jund_open_unbound_per_cluster: int = 5
    jund_weak_dnase_fraction: float = 0.25
    dnase_site_reads: float = 25.0
    dnase_roadmap_depth: float = 4.0
    dnase_encode_background_per_kb: float = 2.0
    dnase_roadmap_background_per_kb: float = 16.0
    # case 3: genes, CAGE, chromatin
    genes_per_mb: float = 400.0
    protein_coding_fraction: float = 0.8
    promoter_tata_rate: float = 0.35
    promoter_gcbox_rate: float = 0.6
    promoter_cpg_island_rate: float = 0.5
    cpg_island_gc: float = 0.5
    tata_effect: float = 0.6
    gcbox_effect: float = 0.5
    cpg_island_effect: float = 1.0
    promoter_direct_effect: float = 0.8
    chromatin_sd: float = 0.65
    expression_noise_sd: float = 0.5
    chromatin_noise_sd: float = 0.5
    cage_reads_per_tss: float = 40.0
    cage_dnase_pairs_per_promoter: float = 20.0
    h3k4me3_peak_height: float = 15.0
    # case 2: DeepSEA-like
    deepsea_sites_per_tf_per_mb: float = 200.0
    deepsea_decoys_per_site: float = 0.5
    histone_domain_fraction: float = 0.08
    histone_motif_spacing: int = 400
    # blacklist, variants, reads
    blacklist_regions: int = 6
    destroying_variants: int = 20
    background_variants: int = 40
    single_read_length: int = 36
    paired_read_length: int = 50
    motifs: str | None = None  # JASPAR file; None = the shipped resources/motifs file

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | WorldParams | None) -> WorldParams:
        """Validate a config mapping (``world:`` in the config) into parameters.

        Raises
        ------
        ValueError
            On an unknown key (named, with the accepted keys), a value of the wrong type or out of range.
        """
        if isinstance(values, WorldParams):
            values.validate()
            return values
        values = dict(values or {})
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(
                f"unknown world parameter(s) {unknown}; accepted keys: {sorted(known)}"
            )
        kwargs: dict[str, Any] = {}
        defaults = cls()
        for key, value in values.items():
            default = getattr(defaults, key)
            try:
                if key == "chrom_sizes":
                    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
                        raise TypeError
                    kwargs[key] = tuple(_as_int(v) for v in value)
                elif key == "motifs":
                    kwargs[key] = None if value is None else str(value)
                elif isinstance(default, bool):
                    if not isinstance(value, bool):
                        raise TypeError
                    kwargs[key] = value
                elif isinstance(default, int):
                    kwargs[key] = _as_int(value)
                else:
                    if isinstance(value, bool) or not isinstance(value, (int, float)):
                        raise TypeError
                    kwargs[key] = float(value)
            except (TypeError, ValueError):
                raise ValueError(
                    f"world parameter {key!r}: got {value!r} ({type(value).__name__}); expected "
                    f"{'a list of integers' if key == 'chrom_sizes' else type(default).__name__}"
                ) from None
        params = cls(**kwargs)
        params.validate()
        return params

    def validate(self) -> None:
        """Check ranges; raise ``ValueError`` naming the parameter and the allowed range."""
        fractions = [
            "gc_content",
            "cpg_depletion",
            "repeat_fraction",
            "jund_indirect_fraction",
            "jund_weak_dnase_fraction",
            "protein_coding_fraction",
            "promoter_tata_rate",
            "promoter_gcbox_rate",
            "promoter_cpg_island_rate",
            "cpg_island_gc",
            "histone_domain_fraction",
        ]
        for key in fractions:
            value = getattr(self, key)
            if not 0.0 <= value <= 1.0:
                raise ValueError(
                    f"world parameter {key!r} = {value}: expected a fraction in [0, 1]"
                )
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
                raise ValueError(f"world parameter {f.name!r} = {value}: expected a value >= 0")
        if not self.chrom_sizes:
            raise ValueError(
                "world parameter 'chrom_sizes' is empty: expected one size per chromosome chr1..chrN"
            )
        minimum = 2 * self.telomere_n + self.jund_cluster_length + 2 * 10_000 + 2_000
        for i, size in enumerate(self.chrom_sizes, start=1):
            if size < minimum:
                raise ValueError(
                    f"world parameter 'chrom_sizes': chr{i} = {size} bp is too small; with telomere_n="
                    f"{self.telomere_n} and jund_cluster_length={self.jund_cluster_length} a chromosome "
                    f"needs at least {minimum} bp"
                )
        for key in ("single_read_length", "paired_read_length"):
            if not 20 <= getattr(self, key) <= 250:
                raise ValueError(
                    f"world parameter {key!r} = {getattr(self, key)}: expected 20..250"
                )
        if not 1 <= self.jund_sites_per_peak <= 4:
            raise ValueError(
                f"world parameter 'jund_sites_per_peak' = {self.jund_sites_per_peak}: expected 1..4"
            )
        if self.histone_motif_spacing < 50:
            raise ValueError(
                f"world parameter 'histone_motif_spacing' = {self.histone_motif_spacing}: expected >= 50"
            )

    def chromosomes(self) -> dict[str, int]:
        """Chromosome names and sizes: ``chr1..chrN`` then ``chrM`` (16,569 bp) when included."""
        sizes = {f"chr{i}": int(s) for i, s in enumerate(self.chrom_sizes, start=1)}
        if self.include_chrM:
            sizes["chrM"] = 16_569
        return sizes


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, float) and not value.is_integer():
        raise ValueError
    return int(value)


@dataclass(frozen=True)
class Manifest:
    """What :func:`generate_world` wrote: parameters, per-file md5 and size, counts of planted things.

    ``files`` maps paths relative to ``outdir`` to ``{"md5": ..., "bytes": ...}``.
    """

    outdir: Path
    params: WorldParams
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        """The ``manifest.json`` text (no absolute paths, no time stamps)."""
        doc = {
            "generator": "genomic_tensors.synthetic",
            "format_version": FORMAT_VERSION,
            "seed": self.params.seed,
            "params": dataclasses.asdict(self.params),
            "counts": self.counts,
            "files": self.files,
        }
        return json.dumps(doc, indent=2, sort_keys=True) + "\n"
