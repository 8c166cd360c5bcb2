"""REST routers, one per resource; thin: parse -> call a service -> return."""

from fastapi import APIRouter

from app.api import areas, auth, members, policies, tokens, units

api_router = APIRouter(prefix="/api/v1")
for module in (auth, tokens, members, units, areas, policies):
    api_router.include_router(module.router)
