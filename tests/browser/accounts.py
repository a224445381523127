"""The accounts the browser tests' server starts with (one password for all)."""

from dataclasses import dataclass

from app.core.permissions import Role

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Account:
    key: str
    email: str
    name: str
    role: Role = Role.LEARNER
    language: str = "en"
    enrolled: bool = False  # in the course's one cohort
    applied: bool = False  # a pending application to it
    certificate_name: str | None = None  # confirmed before the tests start
    city: str = "Bogotá"
    country: str = "CO"
    zone: str = "America/Bogota"
    plans: bool = False  # enrolled in the plans course (the assignment journey's)
    certificate_reason: str | None = None  # a certificate issued by exception at the start


ADMIN = Account("admin", "ada.admin@cities.example", "Ada Admin", role=Role.ADMIN)
INSTRUCTOR = Account(
    "instructor", "ines.instructor@cities.example", "Ines Instructor", role=Role.INSTRUCTOR
)
READER = Account("reader", "rosa.reader@cities.example", "Rosa Reader", enrolled=True)
APPLICANT = Account("applicant", "pat.applicant@cities.example", "Pat Applicant", applied=True)
HOLDER = Account(
    "holder",
    "kim.holder@cities.example",
    "Kim Holder",
    enrolled=True,
    certificate_name="Kim Holder",
)
NO_SCRIPT = Account("no-script", "noor.khan@cities.example", "Noor Khan", enrolled=True)
SPANISH = Account("spanish", "lucia.garcia@cities.example", "Lucía García", enrolled=True)
FRENCH = Account("french", "lea.martin@cities.example", "Léa Martin", enrolled=True)
# The tables' learner (test_tables.py): a long name and address, a certificate from the start.
TABLES = Account(
    "tables",
    "maria.fernanda.quispe-mamani@municipalidad-cochabamba.example",
    "María Fernanda Quispe Mamani",
    enrolled=True,
    certificate_name="María Fernanda Quispe Mamani",
    certificate_reason="Took part in the pilot cohort in person.",
    city="Cochabamba",
    country="BO",
    zone="America/La_Paz",
)

# Four officials of four countries who write, review and share plans (the plans course).
PLANNERS = [
    Account("planner-dakar", "awa.ndiaye@dakar.example", "Awa Ndiaye", city="Dakar",
            country="SN", zone="Africa/Dakar", plans=True),
    Account("planner-seoul", "jiwoo.park@seoul.example", "Park Ji-woo", city="Seoul",
            country="KR", zone="Asia/Seoul", plans=True),
    Account("planner-amman", "noor.haddad@amman.example", "نور الحداد", city="Amman",
            country="JO", zone="Asia/Amman", plans=True),
    Account("planner-bogota", "camila.rojas@bogota.example", "Camila Rojas", plans=True),
]  # fmt: skip

# A learner of Amman who reads the interface in Arabic, right to left (test_rtl.py).
ARABIC_READER = Account(
    "arabic-reader",
    "layla.mansour@amman.example",
    "ليلى منصور",
    language="ar",
    enrolled=True,
    city="Amman",
    country="JO",
    zone="Asia/Amman",
)

ALL = [ADMIN, INSTRUCTOR, READER, APPLICANT, HOLDER, NO_SCRIPT, SPANISH, FRENCH, TABLES]
ALL += [ARABIC_READER, *PLANNERS]
BY_KEY = {account.key: account for account in ALL}
