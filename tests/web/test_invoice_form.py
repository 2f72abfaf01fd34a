import io
from app import roles

def test_form(make, login, app, today):
    make.user("ivan", roles.INITIATOR)
    a1 = make.user("appr1", roles.APPROVER)
    a2 = make.user("appr2", roles.APPROVER)
    cp = make.counterparty("Acme")
    client = login("ivan")
    r = client.get("/invoices/add")
    assert r.status_code == 200, r.data
    page = r.get_data(as_text=True)
    assert "approver_1" in page
    r = client.post("/invoices/add", data={
        "amount": "1 234,56", "currency": "RUB", "counterparty": str(cp), "issue_date": today.isoformat(),
        "approver_1": str(a1), "approver_2": str(a2), "file_kind": "invoice",
        "files": [(io.BytesIO(b"%PDF-1.4\n%test\n"), "inv.pdf")],
    }, content_type="multipart/form-data", follow_redirects=True)
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "inv.pdf" in page
    r = client.get("/invoices/list/")
    assert "Acme" in r.get_data(as_text=True)
    r = client.get("/invoices/edit/1")
    assert r.status_code == 200, r.data[:3000]
