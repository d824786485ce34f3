"""Imports every model module so that the metadata is complete (for Alembic and tests)."""

from lms.apitokens.models import ApiToken  # noqa: F401
from lms.assessments.models import Attempt, AttemptAnswer, Question, Quiz  # noqa: F401
from lms.auth.models import User, UserRole, UserSession  # noqa: F401
from lms.catalog.models import (  # noqa: F401
    Course,
    CourseAsset,
    CourseCompletion,
    CoursePrerequisite,
    Enrolment,
    Lesson,
    LessonProgress,
    LessonVersion,
    Module,
)
from lms.certification.models import Certificate, CertificatePolicy, CertificateVersion  # noqa: F401
from lms.classes.models import Attendance, ClassDay, ClassTrainer, RosterEntry, TrainingClass  # noqa: F401
from lms.core.audit import AuditLog  # noqa: F401
from lms.core.ratelimit import RateLimitHit  # noqa: F401
from lms.coverage.models import (  # noqa: F401
    Requirement,
    RequirementCourse,
    RequirementMilestone,
    RequirementSet,
    RequirementValidity,
)
from lms.jobs.models import Job  # noqa: F401
from lms.messages.models import Message, MessageOptOut  # noqa: F401
from lms.onboarding.models import ActivationCode, RegistrationRequest  # noqa: F401
from lms.privacy.models import DataRequest  # noqa: F401
from lms.registry.models import (  # noqa: F401
    AdminUnit,
    ImportBatch,
    Organisation,
    Person,
    Product,
    UnitAssignment,
    UnitMapping,
)
