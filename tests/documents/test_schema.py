"""The OpenAPI document says what the report endpoint does: a PDF, or an error in JSON."""

import yaml
from django.conf import settings

SCHEMA = yaml.safe_load((settings.BASE_DIR / "openapi" / "schema.yaml").read_text())
OPERATION = SCHEMA["paths"]["/api/v1/visits/{id}/report.pdf"]["get"]


def test_the_report_is_a_binary_pdf_and_every_error_json():
    responses = OPERATION["responses"]
    assert responses["200"]["content"] == {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}}
    }
    errors = {code: response for code, response in responses.items() if code != "200"}
    assert {"400", "401", "403", "404", "429"} <= set(errors)
    for code, response in errors.items():
        assert list(response["content"]) == ["application/json"], code
        assert response["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorResponse"
        }


def test_its_parameters_are_the_visit_and_the_language():
    names = {(parameter["in"], parameter["name"]) for parameter in OPERATION["parameters"]}
    assert names == {("path", "id"), ("query", "lang"), ("header", "Accept-Language")}
