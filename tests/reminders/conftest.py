import pytest

from reminders.dunning import dunning_run


@pytest.fixture
def run_dunning(django_capture_on_commit_callbacks):
    """dunning_run, then the sends it hands to the (eager) workers once it commits."""

    def run(as_of, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return dunning_run(as_of=as_of, **kwargs)

    return run
