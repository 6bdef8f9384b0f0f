from django.contrib.auth import get_user_model
from django.tasks import task

from linli.intake.models import BatchStatus, ImportBatch
from linli.intake.pipeline import run_batch


@task()
def run_import(*, batch_id: int, actor_id: int | None) -> None:
    """Run a queued import; a batch already done is left alone, so a second delivery changes nothing."""
    batch = ImportBatch.objects.select_related("area").get(pk=batch_id)
    if batch.status == BatchStatus.DONE:
        return
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    run_batch(batch, actor=actor)
