from django.urls import reverse

from portfolios.access import can_manage, may_open, roles_of, sees_everything
from portfolios.role_table import MENU


def roles(request):
    user = request.user
    return {
        "user_roles": roles_of(user),
        "user_can_manage": can_manage(user),
        "user_sees_everything": sees_everything(user),
        # The main menu: only the pages the role table lets this user open.
        "menu": [(label, reverse(name), nav) for label, name, nav in MENU if may_open(user, name)]
        if user.is_authenticated else [],
    }
