#!/usr/bin/env python3
"""Times the official Go signer (lighter-sdk's shared library) signing CreateOrder txs from a
worker thread, for the side-by-side figure in BENCHMARKS.md.

    pip download lighter-sdk==1.1.8 --no-deps -d /tmp/lsdk
    python3 -m zipfile -e /tmp/lsdk/lighter_sdk-1.1.8-py3-none-any.whl /tmp/lsdk/x
    python3 go_signer_bench.py /tmp/lsdk/x/lighter/signers/lighter-signer-linux-amd64.so

No network: CreateClient only stores the URL. Prints the median per-signature time over
batches, plus the ctypes call overhead of a trivial call for reference.
"""
import ctypes
import statistics
import sys
import threading
import time


class SignedTxResponse(ctypes.Structure):
    _fields_ = [
        ("txType", ctypes.c_uint8),
        ("txInfo", ctypes.c_void_p),
        ("txHash", ctypes.c_void_p),
        ("messageToSign", ctypes.c_void_p),
        ("err", ctypes.c_void_p),
    ]


KEY = b"0x32477c60c268814483ef6cd00be2404b38e503ee2b516292c196541ce63eb26a2c2c5bce26222701"


def main(path: str, batches: int = 30, per_batch: int = 200) -> None:
    lib = ctypes.CDLL(path)
    lib.CreateClient.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_longlong]
    lib.CreateClient.restype = ctypes.c_void_p
    lib.SignCreateOrder.argtypes = [ctypes.c_longlong, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_int,
                                    ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                    ctypes.c_longlong, ctypes.c_longlong, ctypes.c_int, ctypes.c_int,
                                    ctypes.c_uint8, ctypes.c_uint8, ctypes.c_uint8, ctypes.c_longlong,
                                    ctypes.c_int, ctypes.c_longlong]
    lib.SignCreateOrder.restype = SignedTxResponse
    lib.Free.argtypes = [ctypes.c_void_p]
    err = lib.CreateClient(b"https://mainnet.zklighter.elliot.ai", KEY, 304, 136, 14596)
    if err:
        raise SystemExit(ctypes.cast(err, ctypes.c_char_p).value)

    results = []

    def worker() -> None:
        nonce = 2638832
        for b in range(batches + 3):
            t0 = time.perf_counter()
            for _ in range(per_batch):
                r = lib.SignCreateOrder(53, 872563, 988755, 3889111691, 0, 0, 1, 0, 0, 1796284018912,
                                        0, 0, 0, 0, 0, 0, nonce, 136, 14596)
                if r.err:
                    raise SystemExit(ctypes.cast(r.err, ctypes.c_char_p).value)
                for p in (r.txInfo, r.txHash, r.messageToSign):
                    if p:
                        lib.Free(p)
                nonce += 1
            if b >= 3:  # warm-up batches dropped
                results.append((time.perf_counter() - t0) / per_batch)

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    med = statistics.median(results)
    print(f"go signer SignCreateOrder (worker thread): median {med * 1e6:.1f} us per signature "
          f"(min {min(results) * 1e6:.1f}, max {max(results) * 1e6:.1f}, {batches} x {per_batch})")


if __name__ == "__main__":
    main(sys.argv[1])
