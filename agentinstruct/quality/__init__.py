"""Quality gates applied to records before they are written: near-duplicate removal and decontamination.

``QualityGate`` (gate.py) combines a MinHash-LSH near-duplicate index (dedup.py) with an n-gram
decontaminator over local evaluation sets (decontam.py); the driver calls ``QualityGate.check`` on each
record and counts what it drops.
"""

from agentinstruct.quality.decontam import Decontaminator
from agentinstruct.quality.dedup import NearDuplicateIndex
from agentinstruct.quality.gate import QualityConfig, QualityGate

__all__ = ["Decontaminator", "NearDuplicateIndex", "QualityConfig", "QualityGate"]
