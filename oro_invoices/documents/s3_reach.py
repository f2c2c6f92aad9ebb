"""Whether an S3 bucket can be used, asked with one quick request that is never retried.

The storage's own client (s3fs) retries a connection that fails for several seconds and, asked
for an object, cannot tell a missing bucket from a missing object; a command that checks its
storage before it starts wants neither.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oro_invoices.domain.errors import StorageError

__all__ = ["CONNECT_TIMEOUT", "READ_TIMEOUT", "reach_bucket"]

#: Seconds to wait for the endpoint to accept a connection, and then for its answer (the
#: storage URL's ``connect_timeout`` and ``read_timeout`` override them).
CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 10.0


def reach_bucket(bucket: str, client_kwargs: Mapping[str, Any], *, connect_timeout: float = CONNECT_TIMEOUT,
                 read_timeout: float = READ_TIMEOUT) -> None:
    """Return when ``bucket`` exists and the credentials may use it (one HEAD of the bucket).

    :param client_kwargs: the storage client's ``endpoint_url`` and ``region_name``.
    :raises StorageError: the reason, in one line ("the bucket 'b' does not exist …",
        "Could not connect to the endpoint URL …", "Unable to locate credentials").
    """
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError
    config = Config(connect_timeout=connect_timeout, read_timeout=read_timeout,
                    retries={"total_max_attempts": 1}, signature_version="s3v4")
    try:
        client = botocore.session.get_session().create_client("s3", config=config, **dict(client_kwargs))
        client.head_bucket(Bucket=bucket)
    except ClientError as exc:
        raise StorageError(_refusal(bucket, exc.response)) from exc
    except (BotoCoreError, ValueError) as exc:
        raise StorageError(str(exc)) from exc


def _refusal(bucket: str, response: Mapping[str, Any]) -> str:
    """What the server's answer to the HEAD means (a HEAD answer has a status but no message)."""
    meta = response.get("ResponseMetadata", {})
    status = meta.get("HTTPStatusCode")
    code = response.get("Error", {}).get("Code")
    headers = {name.lower() for name in meta.get("HTTPHeaders", {})}
    if not any(name.startswith("x-amz-") for name in headers):   # S3 servers name each request
        return f"the endpoint answered {status or code} without S3's headers: is it an S3 endpoint?"
    if status == 404 or code in ("404", "NoSuchBucket"):
        return f"the bucket {bucket!r} does not exist (create it, or correct the storage URL)"
    if status == 403 or code in ("403", "AccessDenied"):
        return f"access to the bucket {bucket!r} is denied (check the credentials and the bucket's policy)"
    region = meta.get("HTTPHeaders", {}).get("x-amz-bucket-region")
    if status == 301 and region:
        return f"the bucket {bucket!r} is in region {region} (add ?region={region} to the storage URL)"
    return f"the bucket {bucket!r} cannot be used: the server answered {status or code}"
