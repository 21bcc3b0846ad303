"""``core.redact``: what the policy replaces, and what it leaves readable."""

from core.redact import REDACTED, redact, secret_env_values

ENV = {"OPENAI_API_KEY": "sk-test-abcdef1234567890", "DB_PASSWORD": "correct horse battery",
       "GITHUB_TOKEN": "short", "HOME": "/home/someone-long-enough", "SOME_SECRET_VALUE": "opaque-thing"}


def test_secret_environment_values_are_replaced_wherever_they_occur():
    text = "db: correct horse battery; thing=opaque-thing; home /home/someone-long-enough; short"
    assert redact(text, ENV) == f"db: {REDACTED}; thing={REDACTED}; home /home/someone-long-enough; short"
    assert secret_env_values(ENV) == ["sk-test-abcdef1234567890", "correct horse battery", "opaque-thing"]


def test_the_process_environment_is_the_default(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "value-of-a-key")
    assert redact("got value-of-a-key") == f"got {REDACTED}"


def test_credential_shapes_are_replaced_without_the_environment():
    samples = ["sk-proj-AbCdEf0123456789xyz", "sk-ant-api03-abcdefghijklmnop", "AKIAIOSFODNN7EXAMPLE",
               "ghp_" + "a1B2" * 9, "github_pat_" + "x1" * 20, "xoxb-123456789012-abcdefghij", "AIza" + "B" * 35,
               "hf_" + "q" * 34,
               "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"]
    for sample in samples:
        assert redact(f"before {sample} after", {}) == f"before {REDACTED} after", sample


def test_a_private_key_block_is_replaced_whole():
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabc\n-----END RSA PRIVATE KEY-----"
    assert redact(f"x\n{pem}\ny", {}) == f"x\n{REDACTED}\ny"


def test_assigned_secrets_keep_their_name():
    assert redact("api_key=0123456789abcdef0123", {}) == f"api_key={REDACTED}"
    assert redact("{'access_token': 'dGhpcyBpcyBhIHRva2VuMTIz'}", {}) == f"{{'access_token': '{REDACTED}'}}"
    assert redact("Authorization: Bearer abc.def-1234567890XYZ", {}) == f"Authorization: Bearer {REDACTED}"
    assert redact("https://user:hunter2@example.org/x", {}) == f"https://user:{REDACTED}@example.org/x"


def test_code_and_ordinary_text_stay_readable():
    kept = ["sorted(xs, key=operator.itemgetter(1))", "task-management-system", "token = tokens[0]",
            "AssertionError: expected 5, got -1",
            "sha256 3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b",
            "the key is in the drawer"]
    for text in kept:
        assert redact(text, {}) == text


def test_empty_text_is_returned_as_is():
    assert redact("", ENV) == ""


def test_hostile_text_is_redacted_in_linear_time():
    import time

    for text in ["z" * 200_000, "key=" * 50_000, "a." * 100_000, "a://b" * 40_000, "Bearer " * 30_000,
                 "-----BEGIN PRIVATE KEY-----" * 5_000, "sk-" * 60_000]:
        start = time.perf_counter()
        redact(text, {})
        assert time.perf_counter() - start < 2.0, text[:20]
