"""`python run.py` starts the development server with a worker beside it;
`gunicorn run:app` serves production (run `flask worker` separately there)."""

from app import create_app

app = create_app()

if __name__ == "__main__":
    if app.config["RUN_WORKER_IN_PROCESS"]:
        from app.worker import start_in_thread

        start_in_thread(app)
    app.run(host=app.config["HOST"], port=app.config["PORT"], debug=False)
