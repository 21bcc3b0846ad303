"""Battles on DummyLM competitors and judges: ratings, files, the jury, abstention, resume after a kill,
budget stops, a growing arena and failed answers."""

import json

import pytest
from arena_fakes import CountingLM, Killed, biased_judge, config, items, judge, lms, student

from agentinstruct.arena import ArenaMismatch, CompetitorSpec, battle, rate
from agentinstruct.arena.ledger import ArenaLedger


def test_the_strong_model_tops_the_board_and_every_file_is_written(tmp_path):
    result = battle(items(6), config(), tmp_path / "a", lms=lms())
    assert result.leaderboard.rows[0].model == "strong"
    assert len(result.games) == 6 * 3 * 2  # prompts x pairs x orders, one judge
    assert len(result.battles) == 6 * 3 and not any(b.abstained for b in result.battles)
    files = {p.name for p in (tmp_path / "a").iterdir()}
    assert {"manifest.json", "instructions.jsonl", "ledger.sqlite", "answers.jsonl", "games.jsonl",
            "battles.jsonl", "ratings.json", "diagnostics.json", "report.html", "summary.json"} <= files
    ratings = json.loads((tmp_path / "a/ratings.json").read_text())
    assert ratings["anchor"] == "strong" and ratings["rounds"] == 200
    report = (tmp_path / "a/report.html").read_text()
    assert "Leaderboard" in report and "Judge diagnostics" in report and "mid" in report
    assert "strong = 1000" in report and "{" not in report.split("</style>")[1]
    diag = result.diagnostics.judges["judge"]
    assert diag.flip_rate == 0.0 and diag.parse_failures == 0 and diag.n_games == 36
    game = json.loads((tmp_path / "a/games.jsonl").read_text().splitlines()[0])
    assert game["explanation"] and game["calls"] in (0, 1)


def test_a_position_biased_juror_abstains_and_the_other_decides(tmp_path):
    result = battle(items(4), config(judges=("judge", "biased")), tmp_path / "a",
                    lms={**lms(), "biased": biased_judge()})
    assert result.diagnostics.judges["biased"].flip_rate == 1.0  # A in both orders: always inconsistent
    assert result.diagnostics.judges["biased"].first_position_rate == 1.0
    strong_weak = [b for b in result.battles if {b.model_x, b.model_y} == {"strong", "weak"}]
    for b in strong_weak:
        votes = {v.judge: v for v in b.votes}
        assert votes["biased"].y is None and votes["biased"].reason == "inconsistent"
        assert b.y == (1.0 if b.model_x == "strong" else 0.0)  # the consistent juror's vote alone
    assert "judge|biased" in result.diagnostics.agreement.kappa or "biased|judge" in result.diagnostics.agreement.kappa


def test_score_mode_rates_and_records_scores(tmp_path):
    result = battle(items(4), config(mode="score"), tmp_path / "a", lms=lms("score"))
    assert result.leaderboard.rows[0].model == "strong"
    assert all(g.scores is not None for g in result.games)


def test_a_kill_mid_battle_resumes_without_re_spending_a_completed_judgement(tmp_path):
    total = 5 * 3 * 2
    killer = CountingLM(judge(), kill_after=11)
    with pytest.raises(Killed):
        battle(items(5), config(concurrency=1), tmp_path / "a", lms={**lms(), "judge": killer})
    ledger = ArenaLedger(tmp_path / "a/ledger.sqlite")
    done = len(ledger.results("judge"))
    ledger.close()
    assert done == 11  # every completed judgement was committed before the kill
    counter = CountingLM(judge())
    result = battle(items(5), config(concurrency=1), tmp_path / "a", lms={**lms(), "judge": counter})
    assert counter.calls == total - done  # nothing judged twice
    assert result.new_judgements == total - done and len(result.games) == total
    again = CountingLM(judge())
    battle(items(5), config(), tmp_path / "a", lms={**lms(), "judge": again})
    assert again.calls == 0  # a finished arena makes no call


def test_a_kill_with_judgements_in_flight_loses_no_completed_one(tmp_path):
    killer = CountingLM(judge(), kill_after=13)
    with pytest.raises(Killed):
        battle(items(5), config(concurrency=4), tmp_path / "a", lms={**lms(), "judge": killer})
    counter = CountingLM(judge())
    battle(items(5), config(concurrency=4), tmp_path / "a", lms={**lms(), "judge": counter})
    # completed calls whose unit was not committed yet are served by the request cache
    assert killer.calls + counter.calls == 5 * 3 * 2


def test_a_spent_budget_stops_cleanly_and_the_arena_resumes(tmp_path):
    first = battle(items(4), config(budget={"max_calls": 8}, concurrency=1), tmp_path / "a", lms=lms())
    assert first.stopped_early and "call budget" in first.stopped_early
    second = battle(items(4), config(concurrency=1), tmp_path / "a", lms=lms())
    assert second.stopped_early is None and len(second.games) == 4 * 3 * 2


def test_an_arena_refuses_other_judges_but_grows_with_new_competitors(tmp_path):
    battle(items(3), config(), tmp_path / "a", lms=lms())
    with pytest.raises(ArenaMismatch):
        battle(items(3), config(mode="score"), tmp_path / "a", lms=lms("score"))
    grown = config(competitors=[CompetitorSpec(name=n) for n in ("strong", "weak", "mid", "new")])
    counter = CountingLM(judge())
    result = battle(items(3), grown, tmp_path / "a", lms={**lms(), "new": student("STRONG new"), "judge": counter})
    assert counter.calls == 3 * 3 * 2  # only the pairs with the new competitor
    assert {r.model for r in result.leaderboard.rows} == {"strong", "weak", "mid", "new"}


def test_a_failed_answer_is_recorded_its_pairs_skipped_and_retried_on_resume(tmp_path):
    class Broken(CountingLM):
        def __call__(self, *a, **k):
            raise ConnectionError("server down")

    result = battle(items(3), config(), tmp_path / "a", lms={**lms(), "mid": Broken(student("mid answer"))})
    assert result.units["answer"]["failed"] == 3
    assert len(result.games) == 3 * 1 * 2  # only strong vs weak could be judged
    ledger = ArenaLedger(tmp_path / "a/ledger.sqlite")
    assert all("server down" in r for r in ledger.failures("answer").values())
    ledger.close()
    healed = battle(items(3), config(), tmp_path / "a", lms=lms())
    assert healed.units["answer"] == {"done": 9} and len(healed.games) == 3 * 3 * 2


def test_rate_refits_an_arena_from_its_files(tmp_path):
    battle(items(4), config(), tmp_path / "a", lms=lms())
    board = rate(tmp_path / "a")
    assert board.rows[0].model == "strong" and board.n_battles == 4 * 3


def test_an_arena_where_every_battle_abstains_still_reports(tmp_path):
    models = {**lms(), "biased": biased_judge()}
    models.pop("judge")
    result = battle(items(2), config(judges=("biased",)), tmp_path / "a", lms=models)
    assert result.leaderboard is None and "no leaderboard" in result.notes[0]  # every battle abstained
    assert (tmp_path / "a/report.html").is_file()
