"""What happens to coordinator accounts, each in one transaction with its audit entry:
creating an account, signing in and out, issuing and revoking API tokens."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from peernet.attendees.service import normalize_email
from peernet.audit.service import record
from peernet.coordinators import service
from peernet.coordinators.models import ApiToken, Coordinator
from peernet.coordinators.service import IssuedToken, SignInFailed
from peernet.coordinators.throttle import SignInLimiter
from peernet.errors import NotFound


async def register(email: str, password: str, *, name: str = "", actor: str) -> Coordinator:
    async with in_transaction():
        coordinator = await service.create_coordinator(email, password, name=name)
        await record("coordinator.create", actor=actor, subject=f"coordinator:{coordinator.id}")
    return coordinator


async def sign_in(email: str, password: str, *, limiter: SignInLimiter, client: str) -> Coordinator:
    """The coordinator, or :class:`SignInFailed`; over a limit, :class:`TooManyAttempts`
    before the password is looked at."""
    await limiter.check(email, client)
    try:
        async with in_transaction():
            coordinator = await service.authenticate(email, password)
            await record(
                "sign_in",
                coordinator=coordinator,
                subject=f"coordinator:{coordinator.id}",
                details={"client": client},
            )
    except SignInFailed:
        await limiter.failed(email, client)
        # The entry names the account if there is one; a typed address that matches no
        # account is not kept (it may be someone's mistyped private address).
        known = await Coordinator.get_or_none(email_normalized=normalize_email(email))
        await record(
            "sign_in_failed",
            coordinator=known,
            actor="visitor",  # whoever typed it: not necessarily the account's owner
            subject=f"coordinator:{known.id}" if known else "",
            details={"client": client},
        )
        raise
    await limiter.succeeded(email)
    return coordinator


async def sign_out(coordinator: Coordinator) -> None:
    async with in_transaction():
        await service.end_sessions(coordinator)
        await record("sign_out", coordinator=coordinator, subject=f"coordinator:{coordinator.id}")


async def issue_token(
    coordinator: Coordinator, *, label: str = "", actor: str | None = None
) -> IssuedToken:
    """A new API token for ``coordinator``, issued by them (a page) or by ``actor`` ("cli")."""
    async with in_transaction():
        issued = await service.create_api_token(coordinator, label=label)
        await record(
            "api_token.create",
            coordinator=None if actor else coordinator,
            actor=actor,
            subject=f"api_token:{issued.record.id}",
            details={"owner": f"coordinator:{coordinator.id}", "prefix": issued.record.prefix},
        )
    return issued


async def revoke_token(
    token_id: int, *, owner: Coordinator | None = None, actor: str | None = None
) -> ApiToken:
    """Revoke a token. With ``owner`` (a coordinator on their own page) someone else's token
    is :class:`NotFound`, exactly as a token that does not exist."""
    async with in_transaction():
        if owner is not None and not await ApiToken.exists(id=token_id, coordinator=owner):
            raise NotFound(f"no API token with id {token_id}")
        token = await service.revoke_api_token(token_id)
        await record(
            "api_token.revoke",
            coordinator=owner,
            actor=actor,
            subject=f"api_token:{token.id}",
            details={"owner": f"coordinator:{token.coordinator_id}", "prefix": token.prefix},
        )
    return token
