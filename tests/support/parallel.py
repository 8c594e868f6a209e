"""Requests (or service calls) released at the same moment, for the race tests: each in a
thread of its own, all waiting at one barrier until the last is ready."""

import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def run_together(targets: Sequence[Callable[[Callable[[], Any]], T]]) -> list[T]:
    """Call each target in a thread of its own as ``target(wait)``; ``wait()`` returns once
    every target has called it, so what a target does after ``wait()`` happens at the same
    moment in all of them (what it does before, such as loading its objects, does not race).
    The results in the order of ``targets``; a target that raised raises here, once every
    thread has ended."""
    barrier = threading.Barrier(len(targets))
    results: list[Any] = [None] * len(targets)
    errors: list[BaseException] = []

    def run(i: int, target) -> None:
        try:
            results[i] = target(barrier.wait)
        except BaseException as error:  # re-raised below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def post_together(jobs: Sequence[tuple[Any, str, dict]]) -> list[int]:
    """POST each ``(client, url, data)`` at the same moment; the status codes, in order."""

    def poster(client, url: str, data: dict):
        def post(wait: Callable[[], Any]) -> int:
            wait()
            return client.post(url, data=data).status_code

        return post

    return run_together([poster(*job) for job in jobs])
