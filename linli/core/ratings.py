"""The national five-level rating of public services (好差评, 国办发〔2019〕51号), shared by every part of
Linli that asks residents to rate what they received: service-desk cases, home-care orders."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RatingLevel(models.IntegerChoices):
    """Five levels; the last two are bad ratings, which call for a follow-up."""

    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    BASICALLY_SATISFIED = 3, _("Basically satisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


BAD_RATINGS = (RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED)
