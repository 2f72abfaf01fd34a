from app import roles


def test_initiator_sees_invoices_and_counterparties_in_the_menu(make, login):
    make.user("ivan", roles.INITIATOR)
    client = login("ivan")
    page = client.get("/invoices/list/").get_data(as_text=True)
    assert "Counterparties" in page
    assert "/invoices/list/" in page
