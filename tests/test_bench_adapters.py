"""``draftwheel bench adapters`` runs on the bundled model (switching adapters on one engine vs. loading a new one).

The reload used to be handed the AdapterRef instead of its file; llama_cpp.Llama took the repr as a LoRA path
without noticing that nothing loaded, so "reload_with_adapter_ms" timed a reload without an adapter."""

from __future__ import annotations


def test_adapter_bench_measures_switches_and_reloads(home):
    from draftwheel.bench import adapters

    result = adapters.run(quick=True)
    metrics = result["metrics"]
    # Each figure is a median of real timings: present and positive means every step ran (figures themselves vary).
    for key in ("switch_ms", "first_switch_with_file_load_ms", "reload_with_adapter_ms"):
        assert metrics[key] > 0, (key, metrics)
