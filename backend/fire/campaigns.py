"""Campaigns: one notice to every rental in a region (e.g. "no e-bike charging indoors" to a whole community)."""

from collections.abc import Callable

from sqlalchemy import select

from backend import audit
from backend.auth.scope import require_in_scope, within
from backend.extensions import db
from backend.fire.contracts import CampaignRun
from backend.fire.models import Campaign, CampaignResult
from backend.fire.operations import issue_notice
from backend.houses.models import House

TARGETS = ("active", "suspended")  # rentals people live in


def run_campaign(officer, run: CampaignRun, progress: Callable[[int], None] | None = None) -> dict:
    """Issue the notice to each rental of the region that this campaign has not reached yet; a per-house result.

    The same campaign (region, kind, title) run again only reaches houses that were not reached before."""
    region_code, kind, title = run.region, run.kind, run.title
    require_in_scope(officer, region_code)
    campaign = db.session.scalar(
        select(Campaign).where(Campaign.region_code == region_code, Campaign.kind == kind, Campaign.title == title)
    )
    if campaign is None:
        campaign = Campaign(region_code=region_code, kind=kind, title=title, body=run.body, created_by_id=officer.id)
        db.session.add(campaign)
        db.session.flush()
    reached = set(db.session.scalars(select(CampaignResult.house_id).where(CampaignResult.campaign_id == campaign.id)))
    houses = db.session.scalars(
        select(House).where(within(House.scope_code, region_code), House.status.in_(TARGETS)).order_by(House.id)
    ).all()
    issued = 0
    for house in houses:
        if house.id not in reached:
            notice = issue_notice(officer, house, run, campaign_id=campaign.id)
            db.session.add(
                CampaignResult(
                    campaign_id=campaign.id,
                    house_id=house.id,
                    notice_id=notice.id,
                    outcome="issued" if house.landlord_id else "no_landlord",
                )
            )
            issued += 1
        if progress:
            progress(1)
    db.session.flush()
    audit.record(
        "campaign.run", actor=officer, target=campaign, region_code=region_code, issued=issued, houses=len(houses)
    )
    results = db.session.execute(
        select(CampaignResult.house_id, CampaignResult.notice_id, CampaignResult.outcome)
        .where(CampaignResult.campaign_id == campaign.id)
        .order_by(CampaignResult.house_id)
    ).all()
    return {
        "campaign_id": campaign.id,
        "houses": len(houses),
        "issued_now": issued,
        "already_reached": len(houses) - issued,
        "results": [{"house_id": h, "notice_id": n, "outcome": o} for h, n, o in results],
    }
