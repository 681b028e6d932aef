"""Times the official EdgeX Python SDK's V1 order signing (4 Pedersen hashes + Stark ECDSA).

The same work as the criterion bench `sign_order_v1`: `Client.calc_limit_order_hash` of the
SDK (the order's Pedersen chain) then `StarkExSigningAdapter.sign`. The SDK is never a
dependency: unpack its wheel and point this script at it (no network after the download):

    pip download --no-deps edgex-python-sdk==0.3.0 -d /tmp/esdk
    python3 -m zipfile -e /tmp/esdk/edgex_python_sdk-0.3.0-py3-none-any.whl /tmp/esdk/x
    python3 crates/venue-edgex/benches/python_sdk_bench.py /tmp/esdk/x [rounds]

`requests` and `pycryptodome` (imported by the SDK's client module, unused by the hashing
and signing measured here) are stubbed when absent. Prints the median and the minimum of
`rounds` timed signatures in milliseconds.
"""

import importlib
import statistics
import sys
import time
import types


def load_sdk(root):
    sys.path.insert(0, root)
    for name in ("requests",):
        if importlib.util.find_spec(name) is None:
            sys.modules[name] = types.ModuleType(name)
    if importlib.util.find_spec("Crypto") is None:
        crypto = types.ModuleType("Crypto")
        crypto_hash = types.ModuleType("Crypto.Hash")
        crypto_hash.keccak = None
        sys.modules["Crypto"] = crypto
        sys.modules["Crypto.Hash"] = crypto_hash
    # Import the two modules without running the package __init__ (which pulls in the
    # HTTP/WebSocket clients).
    for package in ("edgex_sdk", "edgex_sdk.internal", "edgex_sdk.crypto"):
        module = types.ModuleType(package)
        module.__path__ = [root + "/" + package.replace(".", "/")]
        sys.modules[package] = module
    client = importlib.import_module("edgex_sdk.internal.client")
    adapter = importlib.import_module("edgex_sdk.internal.starkex_signing_adapter")
    return client, adapter


def main():
    root = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    client_mod, adapter_mod = load_sdk(root)
    adapter = adapter_mod.StarkExSigningAdapter()
    private_key = "07ce42c818072e8c35bf992dc9e9c616612e7696a6cecc1b78e510617311d8a4"
    # Official vectors' case 0: ETHUSD SELL 2.22 @ 1113.39 (amounts as the Rust bench signs).
    stub = types.SimpleNamespace(signing_adapter=adapter)
    args = dict(
        synthetic_asset_id="0x4554482d3900000000000000000000",
        collateral_asset_id="0x2ce625e94458d39dd0bf3b45a843544dd4a14b8169045a3a3d15aa564b936c5",
        fee_asset_id="0x2ce625e94458d39dd0bf3b45a843544dd4a14b8169045a3a3d15aa564b936c5",
        is_buy=False,
        amount_synthetic=2_220_000_000,
        amount_collateral=2_471_725_800,
        amount_fee=939_256,
        nonce=2_621_079_617,
        account_id=670_388_375_886_375_217,
        expire_time=485_973,
    )
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        msg = client_mod.Client.calc_limit_order_hash(stub, **args)
        adapter.sign(msg, private_key)
        times.append(time.perf_counter() - start)
    print(
        f"python_sdk_sign_order_v1 rounds={rounds} "
        f"median_ms={statistics.median(times) * 1e3:.2f} min_ms={min(times) * 1e3:.2f}"
    )


if __name__ == "__main__":
    main()
