"""Access matrix entries for the API token pages."""

from tests.support.access import Case, only

MATRIX = {
    "apitokens.tokens": [Case("GET", "/account/tokens", only(("manager", "admin")))],
    "apitokens.revoke": [
        Case("POST", "/account/tokens/{token_id}/revoke", {**only(("manager", "admin"), 302), "manager": 404}),
    ],
}


def objects(app, users) -> dict:
    from lms.apitokens import services
    from lms.auth.models import User
    from lms.extensions import db

    with app.app_context():
        token, _secret = services.create_token(db.session.get(User, users["admin"].id), "matrix")
        db.session.commit()
        return {"token_id": token.id}
