"""Slow clients for bench/soak.sh: N TLS connections that trickle request headers one byte
every half second. Each must be cut off by the server (its header read timeout) within
`--limit` seconds of connecting; prints the counts and exits non-zero when any stayed longer."""
import argparse
import asyncio
import ssl
import sys
import time

HEAD = b"POST /inject HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Pad: " + b"a" * 200


async def trickle(reader, writer, deadline):
    try:
        for b in HEAD:
            writer.write(bytes([b]))
            await writer.drain()
            try:
                await asyncio.wait_for(reader.read(1024), 0.5)
                # Any answer (a 408) or EOF means the server cut us off.
                return "closed" if time.monotonic() <= deadline else "late"
            except asyncio.TimeoutError:
                pass
            if time.monotonic() > deadline:
                return "late"
        return "late"
    except (ConnectionError, ssl.SSLError, OSError):
        return "closed" if time.monotonic() <= deadline else "late"
    finally:
        writer.close()


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--clients", type=int, default=1000)
    p.add_argument("--limit", type=float, default=15.0, help="header timeout + slack, seconds")
    a = p.parse_args()
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["http/1.1"])
    started = time.monotonic()
    tasks, refused = [], 0
    for _ in range(a.clients):
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", a.port, ssl=ctx), 10)
        except Exception:
            refused += 1
            continue
        tasks.append(asyncio.create_task(trickle(r, w, time.monotonic() + a.limit)))
    results = await asyncio.gather(*tasks)
    closed, late = results.count("closed"), results.count("late")
    print(f"slow clients: {a.clients} opened, {closed} cut off by the server in time, "
          f"{late} stayed past {a.limit:.0f}s, {refused} not connected, "
          f"{time.monotonic() - started:.1f}s")
    sys.exit(1 if late else 0)


asyncio.run(main())
