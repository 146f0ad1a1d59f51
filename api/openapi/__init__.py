"""The OpenAPI document: component schemas that state what the validators enforce."""
