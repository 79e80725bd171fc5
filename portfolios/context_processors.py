from portfolios.access import can_manage, roles_of, sees_everything


def roles(request):
    user = request.user
    return {
        "user_roles": roles_of(user),
        "user_can_manage": can_manage(user),
        "user_sees_everything": sees_everything(user),
    }
