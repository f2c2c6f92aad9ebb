"""Background jobs run by Celery workers: what each job does (``tasks``) and the app (``celery_app``).

The services submit jobs through ``oro_invoices.services.jobs.JobQueue``; see docs/jobs.md.
"""
