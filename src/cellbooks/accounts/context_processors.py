def current_company(request):
    company = getattr(request, "company", None)
    return {"current_company": company if company else None}
