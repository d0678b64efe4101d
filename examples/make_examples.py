"""Regenerate the example files in this folder (illustrative synthetic data).

    python examples/make_examples.py

Writes the planner workbook template in English and Bahasa Indonesia, and the Sintang,
Kayong Utara and Kapuas 2025 scenarios as YAML. The notebooks in notebooks/ read these files.
"""

from __future__ import annotations

from pathlib import Path

from premium_alloc import cases, synthetic, workbook
from premium_alloc.io import excel

HERE = Path(__file__).resolve().parent


def main() -> None:
    excel.write_template(HERE / "planner_template.xlsx", lang="en")
    excel.write_template(HERE / "planner_template_id.xlsx", lang="id")
    synthetic.write(cases.sintang_2023(), HERE / "sintang_2023.yaml")
    synthetic.write(cases.kayong_utara_2023(), HERE / "kayong_utara_2023.yaml")
    synthetic.write(cases.kapuas_2025(), HERE / "kapuas_2025.yaml")
    for name in ("planner_template.xlsx", "planner_template_id.xlsx", "sintang_2023.yaml", "kayong_utara_2023.yaml", "kapuas_2025.yaml"):
        print(HERE / name)


if __name__ == "__main__":
    main()
