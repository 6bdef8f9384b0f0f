from django.contrib.admin.apps import AdminConfig


class LinliAdminConfig(AdminConfig):
    """The admin app with Linli's site (config.admin), which requires the second factor."""

    default_site = "config.admin.LinliAdminSite"
