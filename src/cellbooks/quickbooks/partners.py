"""Partner resolution: which QBO customer or vendor a Cellbooks partner's role is.

A role is found by its binding, else by display name, else created. QBO display names are unique
across customers, vendors and employees together, so a name already taken by another kind gets a
deterministic suffix ("Acme Wireless (Customer)"). Every link is committed at once.
"""

from __future__ import annotations

from cellbooks.inventory.models import Partner

from . import bindings, mapping
from .client import QBOClient, quote, requestid_for
from .errors import PermanentError

ROLE_ENTITY = {bindings.Kind.CUSTOMER: "Customer", bindings.Kind.VENDOR: "Vendor"}
NAMES_PER_QUERY = 30


class NameClash(PermanentError):
    """Both the plain and the suffixed name are taken by other QBO records."""


class PartnerResolver:
    def __init__(self, *, company, client: QBOClient):
        self.company = company
        self.client = client
        self._refs: dict[tuple[str, int], dict] = {}  # (kind, partner id) → ref, for this run

    def ref(self, partner: Partner, kind: str) -> dict:
        """The QBO customer or vendor for this partner's role: bound, found by name, or created."""
        if (kind, partner.pk) in self._refs:
            return self._refs[(kind, partner.pk)]
        binding = bindings.linked(company=self.company, kind=kind, local_id=partner.pk)
        if binding:
            return self._remember(kind, partner.pk, binding.qbo_id, binding.qbo_name)
        entity = ROLE_ENTITY[kind]
        name = mapping.clean_display_name(partner.name)
        suffixed = mapping.suffixed_display_name(partner.name, entity)
        for index, candidate in enumerate((name, suffixed)):
            found = self._find_by_name(entity, candidate)
            if found:
                return self._link(partner, kind, found, candidate)
            requestid = requestid_for(
                company_id=self.company.pk, kind=kind, local_id=partner.pk, version=f"name{index}"
            )
            try:
                created = self.client.create(
                    entity, self.payload(partner, candidate), requestid=requestid
                )
            except PermanentError as exc:
                if exc.code == "6240":  # taken by another kind or an employee: try the suffix
                    continue
                raise
            return self._link(partner, kind, created, candidate)
        raise NameClash(
            f"QuickBooks already uses the names “{name}” and “{suffixed}” for other records.",
            code="6240",
            hint=f"Rename the {entity.lower()} in QuickBooks or the partner in Cellbooks, "
            "then sync again.",
        )

    def prime(self, partners: list[tuple[Partner, str]]) -> None:
        """Resolve many partners' QBO records at once (bulk sync): one query per 30 names, then
        batch creates; anything unusual (a name taken by another kind) is left to ``ref``."""
        linked = bindings.linked_many(
            company=self.company, keys=[(kind, partner.pk) for partner, kind in partners]
        )
        for (kind, local_id), binding in linked.items():
            self._remember(kind, local_id, binding.qbo_id, binding.qbo_name)
        todo = {
            (kind, partner.pk): partner
            for partner, kind in partners
            if (kind, partner.pk) not in linked
        }
        for kind in {kind for kind, _ in todo}:
            entity = ROLE_ENTITY[kind]
            wanted = {
                mapping.clean_display_name(p.name): p for (k, _), p in todo.items() if k == kind
            }
            names = sorted(wanted)
            for start in range(0, len(names), NAMES_PER_QUERY):
                chunk = names[start : start + NAMES_PER_QUERY]
                found = self.client.query(
                    f"SELECT * FROM {entity} WHERE DisplayName IN "
                    f"({', '.join(quote(n) for n in chunk)}) MAXRESULTS 1000"
                ).get(entity, [])
                for row in found:
                    partner = wanted.pop(row.get("DisplayName"), None)
                    if partner is not None:
                        self._link(partner, kind, row, row["DisplayName"])
            missing = sorted(wanted.items())
            for start in range(0, len(missing), NAMES_PER_QUERY):
                chunk = missing[start : start + NAMES_PER_QUERY]
                items = [
                    {"bId": str(i), "operation": "create", entity: self.payload(p, name)}
                    for i, (name, p) in enumerate(chunk)
                ]
                answers = {str(a.get("bId")): a for a in self.client.batch(items)}
                for i, (name, partner) in enumerate(chunk):
                    answer = answers.get(str(i), {})
                    if entity in answer:
                        self._link(partner, kind, answer[entity], name)

    def _link(self, partner: Partner, kind: str, record: dict, name: str) -> dict:
        """Link the partner's role to this QBO customer or vendor; return the reference to use."""
        bindings.bind(
            company=self.company,
            kind=kind,
            local_id=partner.pk,
            realm_id=self.client.realm_id,
            entity=record,
            qbo_entity=ROLE_ENTITY[kind],
            qbo_name=name,
            fetch=False,
        )
        return self._remember(kind, partner.pk, str(record["Id"]), name)

    def _remember(self, kind: str, local_id: int, qbo_id: str, name: str) -> dict:
        ref = self._refs[(kind, local_id)] = {"value": qbo_id, "name": name}
        return ref

    def _find_by_name(self, entity: str, name: str) -> dict | None:
        rows = self.client.query(f"SELECT * FROM {entity} WHERE DisplayName = {quote(name)}")
        found = rows.get(entity, [])
        return found[0] if found else None

    @staticmethod
    def payload(partner: Partner, display_name: str) -> dict:
        payload = {
            "DisplayName": display_name,
            "CompanyName": mapping.clean_display_name(partner.name)[:100],
        }
        if partner.email:
            payload["PrimaryEmailAddr"] = {"Address": partner.email[:100]}
        if partner.phone:
            payload["PrimaryPhone"] = {"FreeFormNumber": partner.phone[:30]}
        if partner.address.strip():
            lines = [ln.strip() for ln in partner.address.splitlines() if ln.strip()][:5]
            payload["BillAddr"] = {f"Line{i + 1}": ln[:500] for i, ln in enumerate(lines)}
        return payload
