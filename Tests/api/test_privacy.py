"""Privacy over real HTTP: a request with personal data never leaves the tiers allowed for it
(default: device only). One gateway with a local (device) engine and an upstream `continuum
serve` as the cloud tier."""
import json
import subprocess
import time

import openai
import pytest
from openai import OpenAI

from conftest import BINARY, MODEL, Server, device_and_cloud

PII = [{"role": "user", "content": "Please email jane.doe@example.com the invoice for card 4111 1111 1111 1111."}]
PLAIN = [{"role": "user", "content": "Name three colours."}]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("privacy")
    cloud, config = device_and_cloud(tmp, """
  cloud-only: far
  both: [phone, far]
""")
    gw = Server(tmp, "--config", str(config))
    yield gw, cloud
    gw.stop()
    cloud.stop()


def test_personal_data_is_refused_by_a_cloud_only_model(setup):
    gw, _ = setup
    client = OpenAI(base_url=f"{gw.url}/v1", api_key="unused", max_retries=0)
    with pytest.raises(openai.PermissionDeniedError) as e:
        client.chat.completions.create(model="cloud-only", messages=PII, max_tokens=2)
    assert "personal data (email, payment_card)" in e.value.message and "Nothing was sent" in e.value.message
    # The same request without personal data goes to the cloud.
    r = client.chat.completions.with_raw_response.create(model="cloud-only", messages=PLAIN, max_tokens=2)
    assert r.headers["x-continuum-tier"] == "cloud"


def test_personal_data_stays_on_the_device(setup):
    gw, _ = setup
    client = OpenAI(base_url=f"{gw.url}/v1", api_key="unused", max_retries=0)
    for _ in range(4):  # round-robin would alternate device and cloud
        r = client.chat.completions.with_raw_response.create(model="both", messages=PII, max_tokens=2)
        assert r.headers["x-continuum-tier"] == "device" and r.headers["x-continuum-backend"] == "phone"
        assert r.headers["x-continuum-route-code"].startswith("personal_data_kept,")
        assert "email, payment_card" in r.headers["x-continuum-route"]
    time.sleep(0.5)  # ledger rows are written off the request path
    import sqlite3
    con = sqlite3.connect(gw.ledger)
    kinds = [r[0] for r in con.execute("SELECT personal_data FROM requests WHERE model = 'both' AND tier = 'device'")]
    con.close()
    assert kinds.count("email,payment_card") == 4, kinds
    tiers = {client.chat.completions.with_raw_response.create(model="both", messages=PLAIN, max_tokens=2).headers["x-continuum-tier"]
             for _ in range(4)}
    assert tiers == {"device", "cloud"}


def token_ids(text):
    out = subprocess.run([str(BINARY), "tokenize", "-m", str(MODEL), text], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_token_id_prompts_are_read_before_they_leave(setup):
    gw, _ = setup
    client = OpenAI(base_url=f"{gw.url}/v1", api_key="unused", max_retries=0)
    pii = token_ids("Please email jane.doe@example.com the invoice.")
    plain = token_ids("Name three colours.")
    # `both` has an engine in process: its tokenizer reads the ids, and the email keeps them home.
    for _ in range(2):
        r = client.completions.with_raw_response.create(model="both", prompt=pii, max_tokens=2)
        assert r.headers["x-continuum-tier"] == "device"
        assert r.headers["x-continuum-route-code"].startswith("personal_data_kept,")
    # `cloud-only` has no tokenizer configured: ids it cannot read are not sent (fail-closed) ...
    with pytest.raises(openai.PermissionDeniedError) as e:
        client.completions.create(model="cloud-only", prompt=plain, max_tokens=2)
    assert "token ids that cannot be read" in e.value.message and "Nothing was sent" in e.value.message
    # ... while text goes.
    assert client.completions.with_raw_response.create(model="cloud-only", prompt="Name three colours.",
                                                       max_tokens=2).headers["x-continuum-tier"] == "cloud"
