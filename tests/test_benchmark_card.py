"""The model card's benchmark section (scripts/benchmark_card.py) on a tiny run: its table, verdicts and
markers, written into a card of its own."""

import benchmark_card as bc

import gip
from gip import benchmark


def test_the_section_is_made_from_the_runs_and_replaces_itself(tmp_path):
    from conftest import make_tiny_model

    fast = {k: v.replace(steps=3, jump_n_sample=1) for k, v in bc.settings().items()}
    exp = benchmark.run(benchmark.cases(n=1), fast, seeds=[0], model=make_tiny_model(32), progress=False)
    card = tmp_path / "card"
    card.mkdir()
    (card / "MODEL_CARD.md").write_text("# card\n\n## Limits\nnone\n")
    first = bc.write(exp, card)
    text = (card / "MODEL_CARD.md").read_text()
    assert text.index(bc.START) < text.index("## Limits") and "| boxed-white | defaults |" in text
    for kind in benchmark.KINDS:
        assert f"- **{kind}**: error to the answer" in first
    assert (card / "card" / "benchmark.png").stat().st_size > 0 and (card / "card" / "benchmark.csv").exists()
    bc.write(exp, card)  # a second write replaces the section, it does not add one
    assert (card / "MODEL_CARD.md").read_text().count(bc.START) == 1
    assert set(bc.settings()) == {"paper (no matte, heat, b = 2)", "Linear(1)", "defaults"}
    assert bc.settings()["defaults"] == gip.Settings()
