"""`python run.py` starts the development server; `gunicorn run:app` serves production."""

from app import create_app

app = create_app()

if __name__ == "__main__":
    app.run(host=app.config["HOST"], port=app.config["PORT"], debug=False)
