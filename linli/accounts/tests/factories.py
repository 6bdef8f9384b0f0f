import factory

from linli.accounts.models import Membership, User, UserKind
from linli.accounts.roles import Role

PASSWORD = "correct-horse-battery"


class StaffFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    first_name = factory.Sequence(lambda n: f"工作人员{n}")
    kind = UserKind.STAFF
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


def staff_with_role(role: Role, area, **kwargs) -> User:
    user = StaffFactory(
        is_staff=role == Role.ADMINISTRATOR, is_superuser=role == Role.ADMINISTRATOR, **kwargs
    )
    Membership.objects.create(user=user, area=area, role=role)
    return user
