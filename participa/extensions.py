"""Flask extensions, created unbound and initialised in :func:`participa.app.create_app`."""

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from participa.db import Base

db = SQLAlchemy(model_class=Base)
if TYPE_CHECKING:
    Model = Base  # what a type checker sees of db.Model (made at run time, unusable as a base)
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
