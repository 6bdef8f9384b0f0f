"""The built-in ledger templates (80+ elderly, living alone, left-behind children, disabilities, minimum
allowance households, employment difficulty, household and registered-population rosters)."""

from django.db import migrations


def install(apps, schema_editor):
    from linli.reports.builtins import install_builtin_templates

    install_builtin_templates(apps.get_model("reports", "LedgerTemplate"))


def uninstall(apps, schema_editor):
    LedgerTemplate = apps.get_model("reports", "LedgerTemplate")
    LedgerTemplate.objects.filter(is_builtin=True, exports__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_ledger_templates_and_exports")]
    operations = [migrations.RunPython(install, uninstall)]
