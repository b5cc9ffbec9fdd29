"""Signs one Standard Webhooks delivery with the official library (PyPI `standardwebhooks`).

Reads {"secret": "whsec_...", "id": "msg_...", "payload": "<body>", "timestamp": unix seconds}
as JSON on stdin (the secret stays out of the process list) and prints the delivery's headers
as JSON: webhook-id, webhook-timestamp and webhook-signature, exactly as the library makes them.
"""

import json
import sys
from datetime import datetime, timezone

from standardwebhooks.webhooks import Webhook


def main() -> None:
    request = json.load(sys.stdin)
    timestamp = datetime.fromtimestamp(request["timestamp"], tz=timezone.utc)
    signature = Webhook(request["secret"]).sign(request["id"], timestamp, request["payload"])
    json.dump(
        {
            "webhook-id": request["id"],
            "webhook-timestamp": str(request["timestamp"]),
            "webhook-signature": signature,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
