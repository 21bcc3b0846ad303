"""Batch mode against the mock batch endpoint: answers by custom id whatever the output order, failed lines
sent again, expired batches' missing requests (and only those) sent again, a resumed coordinator polls the
batch it had sent, the journal, and the price of a batched call."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from dspy.lm15 import Config, Message, Request

from agentinstruct.testing.mock_batch import MockBatchServer
from agentinstruct.testing.mock_openai import content_for
from core.config import GenerationConfig
from core.dspy_internals import openai_chat_body
from core.lm.batch.clients import AnthropicBatchClient, OpenAIBatchClient
from core.lm.batch.config import BatchConfig
from core.lm.batch.coordinator import BatchCoordinator, BatchRequestFailed
from core.lm.batch.journal import BatchJournal
from core.lm.limited_lm import RetryInterrupted

SCHEMA = {"type": "object", "properties": {"answer": {"type": "string"}, "n": {"type": "integer"}},
          "required": ["answer", "n"], "additionalProperties": False}


def _request(i: int, model: str = "openai/gpt-4o-mini") -> Request:
    return Request(model=model, messages=(Message.user(f"question number {i}"),), system="Answer.",
                   config=Config(max_tokens=64, response_format={"type": "json_schema", "name": "o", "schema": SCHEMA,
                                                                 "strict": True}))


def _coordinator(server, tmp_path, provider="openai", **config) -> BatchCoordinator:
    cfg = BatchConfig(provider=provider, window_s=0.1, poll_s=0.05, **config)
    client = (OpenAIBatchClient("k", server.url, model="openai/gpt-4o-mini") if provider == "openai"
              else AnthropicBatchClient("k", server.url, model="anthropic/claude"))
    return BatchCoordinator(client, BatchJournal(tmp_path / "ledger.sqlite"), cfg, "endpoint")


def _ask_all(coordinator, n: int, model: str = "openai/gpt-4o-mini"):
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(lambda i: coordinator.call(f"c{i}", _request(i, model)), range(n)))


def _expected(i: int) -> str:
    body = {"model": "gpt-4o-mini", **openai_chat_body(_request(i))}
    return content_for(body)


def test_the_config_takes_a_provider_name():
    assert GenerationConfig(batch="openai").batch == BatchConfig(provider="openai")
    assert GenerationConfig(batch={"provider": "anthropic", "poll_s": 5}).batch.poll_s == 5


def test_answers_go_to_their_custom_ids_whatever_the_order(tmp_path):
    with MockBatchServer(batch_latency_s=0.1, seed=3) as server:
        coordinator = _coordinator(server, tmp_path)
        answers = _ask_all(coordinator, 12)
        coordinator.close()
    assert server.stats.batches == 1  # the twelve calls came together: one batch
    assert [a.message.parts[0].text for a in answers] == [_expected(i) for i in range(12)]  # shuffled output
    assert answers[0].usage.input_tokens == 20
    assert coordinator.journal.counts() == {"ingested:completed": 1, "requests_sent": 12}


def test_failed_lines_are_sent_again_and_then_answered(tmp_path):
    with MockBatchServer(batch_latency_s=0.05, error_every=3) as server:
        coordinator = _coordinator(server, tmp_path)
        answers = _ask_all(coordinator, 9)
        coordinator.close()
    assert all(a.message.parts[0].text for a in answers)
    assert sorted(server.stats.submitted.values()) == [1] * 6 + [2] * 3  # only the 3 failed lines, once more
    assert coordinator.stats.resent == 3 and coordinator.stats.failed == 0


def test_an_expired_batch_sends_only_its_missing_requests_again(tmp_path):
    with MockBatchServer(batch_latency_s=0.05, expire=1, expire_keep=0.5) as server:
        coordinator = _coordinator(server, tmp_path)
        answers = _ask_all(coordinator, 10)
        coordinator.close()
    assert [a.message.parts[0].text for a in answers] == [_expected(i) for i in range(10)]
    assert sum(server.stats.submitted.values()) == 15 and server.stats.batches == 2  # 5 answered, 5 again
    assert coordinator.journal.counts()["ingested:expired"] == 1


def test_a_request_that_keeps_failing_is_recorded_after_max_attempts(tmp_path):
    with MockBatchServer(batch_latency_s=0.05, expire=5, expire_keep=0.0) as server:
        coordinator = _coordinator(server, tmp_path, max_attempts=2)
        with pytest.raises(BatchRequestFailed, match="not answered"):
            coordinator.call("c0", _request(0))
        coordinator.close()
    assert server.stats.submitted["c0"] == 2


def test_anthropic_batches_answer_by_custom_id(tmp_path):
    with MockBatchServer(batch_latency_s=0.05, error_every=4, seed=1) as server:
        coordinator = _coordinator(server, tmp_path, provider="anthropic")
        answers = _ask_all(coordinator, 8, model="anthropic/claude")
        coordinator.close()
    texts = [a.message.parts[0].text for a in answers]
    assert len(set(texts)) == 8 and all(texts)
    assert sorted(server.stats.submitted.values()) == [1] * 6 + [2] * 2


def test_a_resumed_coordinator_polls_the_batch_it_sent_and_never_sends_it_again(tmp_path):
    with MockBatchServer(batch_latency_s=1.0) as server:
        first = _coordinator(server, tmp_path)
        stop = threading.Event()
        first.interrupt = stop
        waiting = ThreadPoolExecutor(4)
        futures = [waiting.submit(first.call, f"c{i}", _request(i)) for i in range(4)]
        while server.stats.batches == 0:
            stop.wait(0.02)
        stop.set()  # the run stops (or is killed) while the batch is in flight
        for future in futures:
            with pytest.raises(RetryInterrupted):
                future.result(10)
        first.close()
        first.journal.close()
        assert first.journal.counts() == {"submitted": 1, "requests_sent": 4}  # committed before polling

        second = _coordinator(server, tmp_path)  # the resumed run: same ledger
        answers = _ask_all(second, 4)
        second.close()
    assert [a.message.parts[0].text for a in answers] == [_expected(i) for i in range(4)]
    assert server.stats.batches == 1 and set(server.stats.submitted.values()) == {1}  # 0 requests sent twice
    assert second.stats.resumed_batches == 1 and second.stats.batches_sent == 0
    again = _coordinator(server, tmp_path)  # answers already read are served from the journal, no batch
    assert again.call("c2", _request(2)).message.parts[0].text == _expected(2)
    again.close()
    assert json.loads(json.dumps(again.journal.counts())) == {"ingested:completed": 1, "requests_sent": 4}
