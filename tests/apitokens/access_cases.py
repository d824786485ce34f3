"""Access matrix entries for the API token pages."""

from tests.support.access import Case, only

MATRIX = {
    "apitokens.tokens": [Case("GET", "/account/tokens", only(("manager", "admin")))],
    "apitokens.revoke": [
        Case("POST", "/account/tokens/{token_id}/revoke", {**only(("manager", "admin"), 302), "manager": 404}),
    ],
    "apitokens.admin_revoke": [
        Case("POST", "/admin/users/{token_owner_id}/tokens/{token_id}/revoke", only(("admin",), 302)),
        # The token of another account than the one in the address: not found.
        Case("POST", "/admin/users/{token_owner_id}/tokens/999999/revoke", {**only(("admin",)), "admin": 404}),
    ],
}


def objects(app, users) -> dict:
    from lms.apitokens import services
    from lms.auth.models import User
    from lms.extensions import db

    with app.app_context():
        token, _secret = services.create_token(db.session.get(User, users["admin"].id), "matrix")
        db.session.commit()
        return {"token_id": token.id, "token_owner_id": users["admin"].id}
