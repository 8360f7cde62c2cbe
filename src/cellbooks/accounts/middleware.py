from .models import Membership


def _membership_for(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    memberships = Membership.objects.select_related("company").filter(user=user)
    wanted = request.session.get("company_id")
    if wanted is not None:
        chosen = memberships.filter(company_id=wanted).first()
        if chosen is not None:
            return chosen
    return memberships.first()


class CurrentCompanyMiddleware:
    """Puts ``request.membership`` and ``request.company`` (or None) on every request.

    Every company-owned query in a view starts from ``request.company``; a user with no
    membership sees no company data at all.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = _membership_for(request)
        request.company = request.membership.company if request.membership else None
        return self.get_response(request)
