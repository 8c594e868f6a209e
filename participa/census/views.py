from flask import Blueprint

bp = Blueprint("census", __name__)
