"""A jobs broker URL of no broker is refused when the add-on is built, not lost job by job."""
from __future__ import annotations

import pytest

from oro_invoices.composition import AddonConfig, build_addon
from oro_invoices.domain.errors import ConfigurationError


@pytest.mark.parametrize(("url", "named"), [("foo://x", "foo://"), ("127.0.0.1:6379", "'127.0.0.1:6379'")])
def test_a_broker_url_of_no_broker_is_refused_when_the_addon_is_built(tmp_path, url, named):
    with pytest.raises(ConfigurationError) as caught:
        build_addon(AddonConfig(database_url=f"sqlite:///{tmp_path}/x.db", jobs_broker_url=url, pdf=False))
    assert caught.value.message.startswith(f"The jobs broker URL is not a Celery broker URL: {named}; "
                                           "use redis://HOST:6379/N or amqp://USER:PASSWORD@HOST:5672// "
                                           "(the transports Celery knows: amqp, amqps, azureservicebus, ")
    assert caught.value.message.endswith(", sqla, sqlalchemy, sqs, zookeeper).")


def test_a_redis_broker_url_is_taken_without_connecting(tmp_path):
    config = AddonConfig(database_url=f"sqlite:///{tmp_path}/x.db", jobs_broker_url="redis://127.0.0.1:9/0", pdf=False)
    with build_addon(config) as addon:
        assert addon.jobs.background


@pytest.mark.parametrize("url", ["sqs://", "SQS://key:secret@", "sqla+sqlite:///broker.db", "rediss://h:6380/0"])
def test_a_broker_url_of_any_transport_celery_knows_is_taken(tmp_path, url):
    config = AddonConfig(database_url=f"sqlite:///{tmp_path}/x.db", jobs_broker_url=url, pdf=False)
    with build_addon(config) as addon:
        assert addon.jobs.background


def test_a_job_goes_to_a_broker_of_another_transport(tmp_path):
    """The SQLAlchemy transport takes no socket options: a job sent there is stored, not lost."""
    import sqlalchemy

    from oro_invoices.services.celery_queue import CeleryJobs
    from oro_invoices.services.jobs import Job
    broker = f"sqla+sqlite:///{tmp_path}/broker.db"
    jobs = CeleryJobs(broker, queue="oro-test")
    try:
        jobs.submit(Job("oro_invoices.render_pdf", (7,)))
    finally:
        jobs.close()
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path}/broker.db")
    with engine.connect() as connection:
        payloads = connection.execute(sqlalchemy.text("select payload from kombu_message")).scalars().all()
    engine.dispose()
    assert len(payloads) == 1 and "oro_invoices.render_pdf" in payloads[0]
