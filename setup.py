from setuptools import find_packages, setup

# kvae's packages, and gin_configs/ shipped inside the wheel as kvae/gin_configs (package_dir in setup.cfg).
setup(packages=find_packages(include=["kvae", "kvae.*"]) + ["kvae.gin_configs"])
