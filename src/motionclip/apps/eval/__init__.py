"""Evaluation suite: reconstruction, zero-shot recognition, retrieval, generation (judge), ablation, seeds."""
