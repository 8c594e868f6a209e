from flask import Blueprint

bp = Blueprint("officing", __name__)
