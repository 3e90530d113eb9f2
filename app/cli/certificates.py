"""``resurface certificates``: list certificates, revoke one by its code."""

from __future__ import annotations

import argparse

from app import certificates
from app.certstatus import CERTIFICATE_NAMES
from app.cli.common import EXIT_OK, store, table


def cmd_certificates_list(args: argparse.Namespace) -> int:
    """List certificates (issuing any due) with their codes and status now, newest pass first."""
    with store() as engine:
        if args.user:
            found = certificates.of_username(engine, args.user)
        else:
            found = certificates.of_cohort(engine, None, args.cohort)
    rows = [
        [
            c.code,
            c.username,
            c.certification,
            f"{c.passed_at:%Y-%m-%d}",
            f"{c.valid_until:%Y-%m-%d}",
            CERTIFICATE_NAMES[c.status],
        ]
        for c in found
    ]
    head = ["code", "username", "certification", "passed", "valid until", "status"]
    print(table(head, rows) if rows else "no certificates")
    return EXIT_OK


def cmd_certificates_revoke(args: argparse.Namespace) -> int:
    """Revoke a certificate by its code, with a reason (audited); its address then says so."""
    with store() as engine:
        done = certificates.revoke(engine, None, args.code, args.reason)
    print(f"revoked {done.certification} of {done.username} (passed {done.passed_at:%Y-%m-%d})")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser(
        "certificates",
        help="list certificates and revoke one",
        description="Certificates: one per pass of a certifying exam.",
    )
    csub = group.add_subparsers(dest="certificates_command", required=True, metavar="COMMAND")
    p = csub.add_parser(
        "list", help=cmd_certificates_list.__doc__, description=cmd_certificates_list.__doc__
    )
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("--user", help="one trainee's, by username")
    scope.add_argument("--cohort", help="one cohort's trainees'")
    p.set_defaults(func=cmd_certificates_list)
    p = csub.add_parser(
        "revoke", help=cmd_certificates_revoke.__doc__, description=cmd_certificates_revoke.__doc__
    )
    p.add_argument("code", help="the code printed on the certificate")
    p.add_argument("--reason", required=True, help="why (kept in the audit log)")
    p.set_defaults(func=cmd_certificates_revoke)
