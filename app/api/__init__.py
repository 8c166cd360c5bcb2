"""REST routers, one per resource; thin: parse -> call a service -> return."""

from fastapi import APIRouter

from app.api import (
    agenda,
    areas,
    auth,
    delegations,
    events,
    initiatives,
    issues,
    members,
    notification_settings,
    notifications,
    policies,
    search,
    suggestions,
    tokens,
    units,
    webhooks,
)

api_router = APIRouter(prefix="/api/v1")
for module in (
    auth,
    tokens,
    members,
    agenda,
    units,
    areas,
    policies,
    issues,
    initiatives,
    suggestions,
    delegations,
    events,
    notifications,
    notification_settings,
    search,
    webhooks,
):
    api_router.include_router(module.router)
