"""StartAsyncInvoke, GetAsyncInvoke and ListAsyncInvokes: asynchronous invocations kept in
the emulator's state (``State.async_invokes``).

Nothing runs and nothing is written to S3. A job's lifecycle is counted in polls, so that
it is deterministic: StartAsyncInvoke records it ``InProgress``; each GetAsyncInvoke is a
poll, and the second poll (and every later one) finds it ``Completed``, or ``Failed`` when
its model input holds ``[[fail]]``. ListAsyncInvokes shows the jobs as they are, without
polling them. The same ``clientRequestToken`` with the same request starts no new job.
"""

import base64
import binascii
import json
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from .errors import ApiError, validation_error

REGION, ACCOUNT = "us-east-1", "123456789012"  # of the ARNs the emulator makes
POLLS_TO_FINISH = 2
DEFAULT_PAGE_SIZE = 10
FAIL_DIRECTIVE = "[[fail]]"
FAILURE_MESSAGE = f"The model input holds {FAIL_DIRECTIVE}: the emulator failed the invocation."
IN_PROGRESS, COMPLETED, FAILED = "InProgress", "Completed", "Failed"


def model_arn(model_id: str) -> str:
    if model_id.startswith("arn:"):
        return model_id
    return f"arn:aws:bedrock:{REGION}::foundation-model/{model_id}"


def iso8601(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Job:
    number: int  # the order of submission, which the list sorts and pages by
    arn: str
    request: dict  # the StartAsyncInvoke input without its clientRequestToken
    token: str | None
    submit_time: datetime
    polls: int = 0
    end_time: datetime | None = None

    @property
    def status(self) -> str:
        if self.end_time is None:
            return IN_PROGRESS
        return FAILED if FAIL_DIRECTIVE in json.dumps(self.request["modelInput"]) else COMPLETED

    def summary(self) -> dict:
        """The job as GetAsyncInvoke and ListAsyncInvokes describe it."""
        status = self.status
        summary = {"invocationArn": self.arn, "modelArn": model_arn(self.request["modelId"]),
                   "status": status, "submitTime": iso8601(self.submit_time),
                   "lastModifiedTime": iso8601(self.end_time or self.submit_time),
                   "outputDataConfig": self.request["outputDataConfig"]}
        if self.token:
            summary["clientRequestToken"] = self.token
        if self.end_time:
            summary["endTime"] = iso8601(self.end_time)
        if status == FAILED:
            summary["failureMessage"] = FAILURE_MESSAGE
        return summary


class AsyncInvokes:
    """The jobs, shared by the server's threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._started = 0  # never reset, so that page tokens stay unambiguous

    def start(self, params: dict) -> dict:
        token = params.get("clientRequestToken")
        request = {key: value for key, value in params.items() if key != "clientRequestToken"}
        with self._lock:
            same = next((job for job in self._jobs.values() if token and job.token == token),
                        None)
            if same is not None:
                if same.request != request:
                    raise ApiError(400, "ConflictException",
                                   f"The clientRequestToken {token!r} was already used for a "
                                   "different request.")
                return {"invocationArn": same.arn}
            self._started += 1
            arn = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:async-invoke/{uuid.uuid4().hex[:12]}"
            self._jobs[arn] = Job(self._started, arn, request, token, datetime.now(UTC))
            return {"invocationArn": arn}

    def poll(self, arn: str) -> dict:
        with self._lock:
            job = self._jobs.get(arn)
            if job is None:
                raise validation_error(f"The async invocation {arn} does not exist.")
            job.polls += 1
            if job.polls >= POLLS_TO_FINISH and job.end_time is None:
                job.end_time = datetime.now(UTC)
            return job.summary()

    def page(self, params: dict) -> dict:
        """A page of ListAsyncInvokes: filtered, sorted by submission, after the token."""
        descending = params.get("sortOrder", "Descending") == "Descending"
        after = params.get("nextToken")
        position = _read_token(after) if after is not None else None
        size = params.get("maxResults") or DEFAULT_PAGE_SIZE
        with self._lock:
            jobs = [job for job in sorted(self._jobs.values(), key=lambda job: job.number,
                                          reverse=descending)
                    if _selected(job, params)
                    and (position is None
                         or (job.number < position if descending else job.number > position))]
            page = {"asyncInvokeSummaries": [job.summary() for job in jobs[:size]]}
        if len(jobs) > size:
            page["nextToken"] = _make_token(jobs[size - 1].number)
        return page

    def clear(self) -> None:
        with self._lock:
            self._jobs.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._jobs)


def _selected(job: Job, params: dict) -> bool:
    status, after, before = (params.get(name) for name in
                             ("statusEquals", "submitTimeAfter", "submitTimeBefore"))
    return ((status is None or job.status == status)
            and (after is None or job.submit_time > after)
            and (before is None or job.submit_time < before))


def _make_token(number: int) -> str:
    return base64.urlsafe_b64encode(f"after:{number}".encode()).decode()


def _read_token(token: str) -> int:
    try:
        kind, _, number = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if kind == "after" and number.isdigit():
            return int(number)
    except (binascii.Error, ValueError):
        pass
    raise validation_error(f"Invalid nextToken: {token!r}")
