"""Rebuild zili's node files from the ETO semiconductor supply-chain dataset.

Writes ``nodes.csv``, ``node_inputs.csv`` and ``supply_shares.csv`` next to this
script. The semiconductor rows are derived from the Emerging Technology
Observatory (CSET) "Advanced Semiconductor Supply Chain Dataset" (Sept 2022
version), licensed CC BY-NC 4.0 (see LICENSE-ETO.md); every row derived from it
carries ``licence = CC BY-NC 4.0 (ETO)``. All other rows are literal tables below,
each with its own source (or ``UNSOURCED:`` and a low/high range).

Usage::

    python3 src/zili/data/build_eto.py [--eto /work/shared/data/eto] [--out DIR]

Only the standard library is used (csv), so the script runs anywhere.

How ETO is mapped (see README.md, section supply_shares.csv):
* ETO country codes -> zili regions: USA->US, NLD->NL, JPN->JP, KOR->KR, TWN->TW,
  CHN->CN; EU members other than NL (DEU, FRA, ITA, AUT, SWE, CZE, ...) -> EU;
  everything else (GBR, CHE, ISR, SGP, MAL, BLR, "Various") -> other.
* A zili node aggregates one or more ETO inputs (NODE_INPUTS below). Only
  country-level rows of provision.csv with a numeric share are used. Each input's
  shares are first normalised to sum to 1 (ETO rounding makes some sum to 0.99-1.02).
* ETO's inputs.csv does NOT carry usable market sizes (the column
  market_share_chart_global_market_size_info is empty for all inputs except three
  design rows whose values are placeholders: "$53.40 (2019)", source "Cool
  Semiconductor Research Firm LLC"). So inputs are combined with EQUAL weights.
  This is an assumption, flagged in every row's notes.
* Shares are rounded to 3 decimals; the rounding remainder goes to ``other`` so
  that each node sums to exactly 1.
"""
from __future__ import annotations

import argparse
import csv
import io
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_ETO = Path("/work/shared/data/eto")

ETO_LICENCE = "CC BY-NC 4.0 (ETO)"
ETO_SRC = (
    "Emerging Technology Observatory (CSET): Advanced Semiconductor Supply Chain Dataset, "
    "{file} (Sept 2022 version; data mostly 2019), CC BY-NC 4.0 — "
    "https://eto.tech/dataset-docs/chipexplorer/ ; underlying report: CSET, The Semiconductor "
    "Supply Chain: Assessing National Competitiveness (2021) — "
    "https://cset.georgetown.edu/publication/the-semiconductor-supply-chain/"
)

REGIONS = ["US", "NL", "JP", "KR", "TW", "EU", "CN", "other"]
COUNTRY_MAP = {
    "USA": "US", "NLD": "NL", "JPN": "JP", "KOR": "KR", "TWN": "TW", "CHN": "CN",
    "DEU": "EU", "FRA": "EU", "ITA": "EU", "AUT": "EU", "SWE": "EU", "CZE": "EU",
    "BEL": "EU", "IRL": "EU", "FIN": "EU", "ESP": "EU", "DNK": "EU", "POL": "EU",
    "HUN": "EU",
}

# ---------------------------------------------------------------- node list
SECTOR_NODES = [
    ("semiconductors", ["eda", "core_ip", "lithography", "deposition", "etch", "metrology",
                        "wafers", "materials", "chip_design", "logic_fab", "memory_fab",
                        "assembly_test", "power_semis", "ai_chips"]),
    ("ai", ["ai_models", "data_centres"]),
    ("nev_batteries", ["critical_minerals", "battery_materials", "battery_cells",
                       "ev_assembly", "charging"]),
    ("telecom_5g", ["base_stations"]),
    ("aerospace_manufacturing", ["avionics", "aircraft", "rail"]),
    ("industrial_internet", ["industrial_software", "cloud"]),
    ("ecommerce", ["ecommerce"]),
    ("biotech_pharma", ["biopharma"]),
    ("quantum", ["quantum"]),
    ("fintech", ["fintech"]),
    ("crypto", ["crypto"]),
]
# Nodes added after the first release are APPENDED (node order is an index used by the
# model and by saved runs: never reorder or insert). (node, sector) pairs.
APPENDED_NODES = [("hbm", "semiconductors")]
NODE_SECTOR = {n: s for s, ns in SECTOR_NODES for n in ns}
NODE_SECTOR.update(dict(APPENDED_NODES))
NODE_ORDER = [n for _, ns in SECTOR_NODES for n in ns] + [n for n, _ in APPENDED_NODES]

# node -> (label, tier_mature, tier_advanced)
NODE_LABELS = {
    "eda": ("Electronic design automation software", "EDA for mature nodes (above 16/14 nm)",
            "full-flow EDA for 16/14 nm and below (FinFET/GAA); GAAFET EDA controlled from 2022"),
    "core_ip": ("Core intellectual property (ISA, processor and interface IP)",
                "IP blocks for mature nodes", "IP for leading-edge nodes (16/14 nm and below)"),
    "lithography": ("Lithography equipment (scanners, tracks)", "dry ArF, KrF, i-line",
                    "ArF immersion and EUV scanners"),
    "deposition": ("Deposition tools (CVD, ALD, PVD, RTP, diffusion, plating)",
                   "tools for nodes above 16/14 nm", "tools for 16/14 nm and below (incl. ALD for FinFET/GAA)"),
    "etch": ("Etch and clean tools", "tools for nodes above 16/14 nm",
             "tools for 16/14 nm and below and 128+ layer 3D NAND high-aspect-ratio etch"),
    "metrology": ("Process control: metrology and inspection tools", "tools for nodes above 16/14 nm",
                  "tools for 16/14 nm and below (e-beam / advanced optical inspection)"),
    "wafers": ("Silicon wafers", "150/200 mm and mature 300 mm wafers",
               "300 mm prime wafers qualified for 16/14 nm and below"),
    "materials": ("Fab materials: photoresists, photomasks, gases, wet chemicals, CMP, targets",
                  "materials for i-line/KrF/dry ArF and mature nodes",
                  "ArF-immersion/EUV resists, advanced masks and materials for 16/14 nm and below"),
    "chip_design": ("Chip design (fabless and IDM design)", "designs for nodes above 16/14 nm",
                    "designs at 16/14 nm and below"),
    "logic_fab": ("Logic wafer fabrication (foundry and IDM)", "above 16/14 nm (planar, 28 nm and up)",
                  "16/14 nm and below (FinFET)"),
    "memory_fab": ("Memory fabrication (DRAM and NAND)",
                   "DRAM above 18 nm half-pitch; NAND below 128 layers",
                   "DRAM 18 nm half-pitch or below; NAND 128+ layers"),
    "assembly_test": ("Assembly, test and packaging (ATP)", "conventional packaging (wire bond, flip chip)",
                      "advanced packaging (2.5D/3D, chiplets, HBM stacking)"),
    "power_semis": ("Power semiconductors (power ICs, discretes, modules; Si, SiC, GaN)",
                    "silicon MOSFETs, diodes, mature IGBTs", "SiC and GaN devices, latest-generation IGBT modules"),
    "ai_chips": ("AI accelerators (GPUs, AI ASICs, FPGAs for AI)",
                 "below US 2022/2023 performance thresholds",
                 "above US 2022/2023 performance thresholds"),
    "ai_models": ("AI models and AI software", "models trainable on below-threshold compute",
                  "frontier-scale models needing above-threshold compute"),
    "data_centres": ("Data centres and AI compute capacity", "general-purpose data centres",
                     "AI training clusters built on above-threshold accelerators"),
    "critical_minerals": ("Critical minerals (lithium, cobalt, nickel, graphite, gallium, germanium) mining and refining",
                          "mining and basic refining", "battery/electronic-grade high-purity refining"),
    "battery_materials": ("Battery materials (cathode, anode, electrolyte, separator)",
                          "LFP and mainstream NCM cathode, graphite anode",
                          "high-nickel cathodes, silicon anodes, solid-state electrolytes"),
    "battery_cells": ("Battery cells and packs", "LFP and mainstream NCM cells",
                      "high-energy-density cells (>250 Wh/kg), solid-state"),
    "ev_assembly": ("New-energy vehicle assembly", "conventional NEV platforms",
                    "dedicated EV platforms with advanced driver assistance"),
    "charging": ("Charging infrastructure", "AC and standard DC chargers", "high-power DC fast charging"),
    "base_stations": ("Telecom network equipment (4G/5G base stations)", "4G and earlier RAN",
                      "5G RAN incl. massive MIMO"),
    "avionics": ("Avionics and aero-engines' electronic systems", "legacy avionics", "integrated modular avionics"),
    "aircraft": ("Commercial aircraft and aero-engines", "regional jets and turboprops",
                 "narrow-/wide-body airliners and high-bypass turbofans"),
    "rail": ("Rail equipment (incl. high-speed rail)", "conventional rolling stock",
             "high-speed trains and traction systems"),
    "industrial_software": ("Industrial and enterprise software (CAD/CAE, PLM, ERP, MES)",
                            "management and MES software", "CAD/CAE/simulation and PLM"),
    "cloud": ("Cloud and industrial-internet platforms", "IaaS/hosting",
              "advanced PaaS/AI cloud and industrial-internet platforms"),
    "ecommerce": ("E-commerce and logistics platforms", "domestic retail e-commerce",
                  "cross-border, rural and logistics-integrated e-commerce"),
    "biopharma": ("Biotech and pharmaceuticals", "generics and APIs", "innovative drugs, biologics and vaccines"),
    "quantum": ("Quantum computing and communication", "quantum communication (QKD)",
                "quantum computing hardware"),
    "fintech": ("Financial technology (payments, online lending, P2P)", "payments",
                "online lending and credit platforms"),
    "crypto": ("Crypto-assets (mining, exchanges)", "mining", "exchanges and token issuance"),
    "hbm": ("High-bandwidth memory (stacked DRAM with TSVs)", "HBM2/HBM2E and older",
            "HBM3 and above (Dec 2024 US rule)"),
}

# ---------------------------------------------------------------- ETO mapping
# node -> (list of ETO ids whose country shares are used, basis, explanation)
NODE_ETO = {
    "eda": (["N84"], "headquarters", "N84 Electronic design automation software"),
    "core_ip": (["N85"], "headquarters", "N85 Core intellectual property"),
    "lithography": (["N20", "N21", "N22", "N32"], "headquarters",
                    "N20 EUV scanners, N21 ArF scanners, N22 ArF immersion scanners, N32 resist processing tools; "
                    "mask writers N29/N30 excluded (they feed photomasks); KrF/i-line not in ETO"),
    "deposition": (["N38", "N39", "N40", "N41", "N42", "N43", "N44", "N45"], "headquarters",
                   "N38-N41 CVD/ALD tools, N42 PVD, N43 RTP, N44 tube diffusion, N45 electrochemical coating; "
                   "N17 ion implanters have no numeric shares"),
    "etch": (["N49", "N50", "N51"], "headquarters",
             "N49 wet etch/clean, N50 conductor etch, N51 dielectric etch; CMP tools N86 have no numeric shares"),
    "metrology": (["N62", "N63", "N64"], "headquarters",
                  "N62 photomask inspection/repair, N63 wafer-level packaging inspection, N64 process monitoring; "
                  "wafer inspection N61 and its types N65-N68 have no numeric shares in ETO"),
    "wafers": (["N26"], "headquarters", "N26 Wafer"),
    "chip_design": (["S1"], "headquarters", "stage S1 Design (logic chip design)"),
    "logic_fab": (["S2"], "site", "stage S2 Fabrication (logic; by fab location per ETO/CSET)"),
    "assembly_test": (["S3"], "site", "stage S3 Assembly, testing and packaging (by site per ETO/CSET)"),
}

# semiconductor edges derived from ETO sequence.csv (see README)
ETO_EDGES = [
    # (node, input, how it follows from sequence.csv)
    ("chip_design", "eda", "N84 EDA goes into N1-N4 logic chip design (sequence.csv)"),
    ("chip_design", "core_ip", "N85 core IP goes into N1-N4 logic chip design (sequence.csv)"),
    ("logic_fab", "lithography", "N19 advanced photolithography equipment and N32 resist processing go into N25 Photolithography, a fabrication (S2) process"),
    ("logic_fab", "deposition", "N36 deposition tools go into N35 Deposition, a fabrication process"),
    ("logic_fab", "etch", "N55 etching and cleaning tools go into N46 Etch and clean, a fabrication process"),
    ("logic_fab", "metrology", "N60 process control goes into N35/N25/N46/N57 fabrication processes"),
    ("logic_fab", "wafers", "N26 Wafer goes into N35 Deposition"),
    ("logic_fab", "materials", "N31 photoresist, N33 photomasks, N88 deposition materials, N90 CMP materials, N91 gases, N92 wet chemicals go into fabrication processes"),
    ("assembly_test", "logic_fab", "N57 CMP (last fabrication process) goes into N69 Assembly and packaging"),
    ("assembly_test", "materials", "N100 packaging materials (N93-N98) go into N69 Assembly and packaging"),
]
# memory fabs use the same tool and material inputs; not in ETO (logic only)
ANALOGY_EDGES = [
    ("memory_fab", "lithography"), ("memory_fab", "deposition"), ("memory_fab", "etch"),
    ("memory_fab", "metrology"), ("memory_fab", "wafers"), ("memory_fab", "materials"),
    ("assembly_test", "memory_fab"),
    ("power_semis", "wafers"), ("power_semis", "materials"), ("power_semis", "lithography"),
    ("power_semis", "deposition"), ("power_semis", "etch"),
]
CROSS_EDGES = [
    ("ai_chips", "chip_design"), ("ai_chips", "logic_fab"), ("ai_chips", "memory_fab"),
    ("ai_chips", "assembly_test"),
    ("ai_models", "ai_chips"), ("ai_models", "data_centres"),
    ("data_centres", "ai_chips"), ("data_centres", "logic_fab"), ("data_centres", "memory_fab"),
    ("ev_assembly", "battery_cells"), ("ev_assembly", "power_semis"), ("ev_assembly", "logic_fab"),
    ("battery_cells", "battery_materials"), ("battery_materials", "critical_minerals"),
    ("wafers", "critical_minerals"), ("materials", "critical_minerals"),
    ("base_stations", "logic_fab"), ("base_stations", "power_semis"), ("base_stations", "chip_design"),
    ("aircraft", "avionics"), ("avionics", "logic_fab"), ("rail", "power_semis"), ("rail", "logic_fab"),
    ("charging", "power_semis"),
    ("industrial_software", "data_centres"), ("cloud", "data_centres"),
    ("ecommerce", "cloud"), ("fintech", "cloud"), ("crypto", "logic_fab"),
    ("quantum", "materials"), ("biopharma", "data_centres"),
    # HBM (appended node): DRAM dies from memory fabs, TSV stacking and test in (advanced) ATP;
    # HBM goes into AI accelerators (design brief, issue 3)
    ("hbm", "memory_fab"), ("hbm", "assembly_test"), ("ai_chips", "hbm"),
]
# notes for particular cross-sector edges (default: "cross-sector edge ...")
EDGE_NOTES = {
    ("ai_chips", "memory_fab"): "cross-sector edge (design brief: HBM); kept after the hbm node was added "
                                "(issue 3), now for other memory on AI boards; weight range cut from 0.1-0.3 "
                                "to 0-0.1 so HBM is not counted twice (HBM cost is on ai_chips <- hbm); "
                                "weight range is a prior",
    ("ai_chips", "hbm"): "cross-sector edge (issue 3): HBM stacks are co-packaged with AI accelerators; "
                         "weight range is a prior",
    ("hbm", "memory_fab"): "edge (issue 3): HBM stacks are built from DRAM dies made in memory fabs; "
                           "weight range is a prior",
    ("hbm", "assembly_test"): "edge (issue 3): TSV stacking, packaging and test of HBM stacks "
                              "(advanced packaging); weight range is a prior",
}
# UNSOURCED weight ranges: node -> {input: (low, high)}; sum of highs per node <= 1
WEIGHTS = {
    "chip_design": {"eda": (0.03, 0.08), "core_ip": (0.03, 0.08)},
    "logic_fab": {"lithography": (0.08, 0.15), "deposition": (0.06, 0.12), "etch": (0.06, 0.12),
                  "metrology": (0.03, 0.07), "wafers": (0.03, 0.08), "materials": (0.05, 0.12)},
    "memory_fab": {"lithography": (0.06, 0.12), "deposition": (0.07, 0.14), "etch": (0.07, 0.14),
                   "metrology": (0.02, 0.06), "wafers": (0.04, 0.09), "materials": (0.05, 0.12)},
    "assembly_test": {"logic_fab": (0.0, 0.0), "memory_fab": (0.0, 0.0), "materials": (0.2, 0.4)},
    "power_semis": {"wafers": (0.1, 0.25), "materials": (0.05, 0.12), "lithography": (0.02, 0.06),
                    "deposition": (0.03, 0.08), "etch": (0.03, 0.08)},
    # memory_fab kept (it was the HBM stand-in before the hbm node existed); its range is cut
    # from (0.1, 0.3) to (0.0, 0.1) so that HBM is not counted twice, and hbm gets (0.05, 0.2),
    # keeping the sum of highs at 1.0
    "ai_chips": {"chip_design": (0.1, 0.3), "logic_fab": (0.1, 0.25), "memory_fab": (0.0, 0.1),
                 "assembly_test": (0.05, 0.15), "hbm": (0.05, 0.2)},
    "hbm": {"memory_fab": (0.3, 0.6), "assembly_test": (0.1, 0.3)},
    "ai_models": {"ai_chips": (0.2, 0.5), "data_centres": (0.1, 0.3)},
    "data_centres": {"ai_chips": (0.1, 0.4), "logic_fab": (0.1, 0.25), "memory_fab": (0.05, 0.15)},
    "ev_assembly": {"battery_cells": (0.25, 0.45), "power_semis": (0.02, 0.06), "logic_fab": (0.02, 0.08)},
    "battery_cells": {"battery_materials": (0.4, 0.7)},
    "battery_materials": {"critical_minerals": (0.3, 0.6)},
    "wafers": {"critical_minerals": (0.02, 0.1)},
    "materials": {"critical_minerals": (0.02, 0.1)},
    "base_stations": {"logic_fab": (0.1, 0.25), "power_semis": (0.03, 0.1), "chip_design": (0.05, 0.15)},
    "aircraft": {"avionics": (0.1, 0.25)},
    "avionics": {"logic_fab": (0.05, 0.2)},
    "rail": {"power_semis": (0.03, 0.1), "logic_fab": (0.01, 0.05)},
    "charging": {"power_semis": (0.1, 0.3)},
    "industrial_software": {"data_centres": (0.02, 0.1)},
    "cloud": {"data_centres": (0.3, 0.6)},
    "ecommerce": {"cloud": (0.01, 0.05)},
    "fintech": {"cloud": (0.02, 0.1)},
    "crypto": {"logic_fab": (0.2, 0.5)},
    "quantum": {"materials": (0.01, 0.1)},
    "biopharma": {"data_centres": (0.0, 0.03)},
}
# assembly_test <- logic_fab/memory_fab: ATP processes the fab's wafers; in a value
# (cost-share) sense the wafer is the customer's, so the cost weight is 0 but the
# edge matters for output-at-risk. Keep the edge with weight range (0, 0.3).
WEIGHTS["assembly_test"]["logic_fab"] = (0.0, 0.3)
WEIGHTS["assembly_test"]["memory_fab"] = (0.0, 0.3)

# ---------------------------------------------------------------- market sizes
# node -> dict(value, year, low, high, source, notes)
WSTS = ("SIA (WSTS data) via PR Newswire: Worldwide Semiconductor Sales Decrease 12 Percent to $412 Billion "
        "in 2019 (2020-02-03) — https://www.prnewswire.com/news-releases/worldwide-semiconductor-sales-"
        "decrease-12-percent-to-412-billion-in-2019-300997962.html")
SEMI_EQ = ("Evertiq (SEMI): 2020 equipment billings by region (2021-04-14) — https://evertiq.com/news/49869")
SEMI_MAT = ("SEMI: Global Semiconductor Materials Market Revenues Slip 1.1 Percent in 2019 (2020-03-31) — "
            "https://www.semi.org/en/news-resources/press/global-semiconductor-materials-market")
OMDIA = ("Green Car Congress (Omdia): Power semiconductor market set for 6.9% decline in 2020 (2020-04-30) — "
         "https://www.greencarcongress.com/2020/04/20200430-omdia.html")
ETO_EMPTY = ("ETO inputs.csv gives no market size for the mapped inputs "
             "(market_share_chart_global_market_size_info empty or placeholder)")
# issue 3 sources (pages read with the project's search tool; figures quoted in notes)
SEMI_SI = ("PR Newswire (SEMI SMG): 2019 Global Silicon Shipments Dip From 2018 Record High But Revenue Remained "
           "Stable Above $11 Billion, SEMI Reports (2020-02-04) — https://www.prnewswire.co.uk/news-releases/"
           "2019-global-silicon-shipments-dip-from-2018-record-high-but-revenue-remained-stable-above-11-billion-"
           "semi-reports-881746308.html")
IPNEST = ("Design & Reuse (IPnest, Interface IP Survey 2015-2019): Interface IP category to overtake CPU IP by 2025 "
          "(2020-07-09) — https://www.design-reuse.com/industryexpertblogs/48284/interface-ip-category-to-overtake-"
          "cpu-ip-by-2025.html")
ESD_2019 = ("EE Times India (SEMI / ESD Alliance): EDA Sector Cools Off in Q4 (2020) — "
            "https://preprod.eetindia.co.in/eda-sector-cools-off-in-q4/")
ESD_SIP_Q4 = ("Design & Reuse (SmartDV, citing ESD Alliance MSS): The Thriving Silicon IP Business (2020) — "
              "https://www.design-reuse.com/articles/47785/the-thriving-silicon-ip-business.html")
ICI_FABLESS = ("Semiconductor Digest (IC Insights): Fabless Company Share of IC Sales to Set New Record in 2020 at "
               "32.9% (2020-12) — https://semiconductor-digest.com/fabless-company-share-of-ic-sales-to-set-new-"
               "record-in-2020-at-32-9/amp ; same figures: DIGITIMES (2020-12-29) — "
               "https://www.digitimes.com/news/a20201229PR200.html")
ICI_FOUNDRY = ("Tom's Hardware (IC Insights): Research: China Was the Only Market to See Pure-Play Foundry Growth "
               "in 2019 (2020) — https://www.tomshardware.com/news/semiconductor-fabless-market-growth-china-"
               "foundry-2019")
YOLE_OSAT = ("Chip Scale Review Nov-Dec 2020, p. 11, citing Yole Developpement, Status of Advanced Packaging "
             "Industry 2020 — https://chipscalereview.com/wp-content/uploads/flipbook/7/files/basic-html/page11.html")
GMI_AI = ("EE Times Asia (Global Market Insights): AI Chip Market to Reach $70B by 2026 (2020) — "
          "https://www.eetasia.com/ai-chip-market-to-reach-70b-by-2026/")
OMDIA_AI = ("Embedded Computing Design (Omdia): NVIDIA Maintains Position in 2020 Market for AI Processors for "
            "Cloud and Data Center (2021-08-06) — https://embeddedcomputing.com/technology/processing/chips-and-socs/"
            "nvidia-maintains-position-in-2020-market-for-ai-processors-for-cloud-and-data-center")
ASML_2019 = ("ASML Holding: US GAAP consolidated statements of operations, Q4 and full year 2019 (SEC exhibit, "
             "2020-01) — https://www.sec.gov/Archives/edgar/data/937966/000093796620000003/"
             "financialstatementsusgaapq.htm")
TIN_PC = ("Seeking Alpha (The Information Network): KLA's market share of metrology/inspection equipment jumps "
          "3% in 2020 (2021-04-19) — https://seekingalpha.com/article/4419900-kla-s-market-share-of-metrology-"
          "inspection-equipment-jumps-3-in-2020")
TF_HBM_SIZE = ("The Asia Business Daily (TrendForce): TrendForce \"HBM Share in DRAM Sales to Rise to 20% This "
               "Year\" (2024-03-18) — https://cm.asiae.co.kr/en/article/2024031817511235053")
TF_HBM_SHARE = ("I-Connect007 (TrendForce): HBM Supply Leader SK Hynix's Market Share to Exceed 50% in 2023 Due "
                "to Demand for AI Servers (2023-04-20) — https://iconnect007.com/article/136045/hbm-supply-leader-"
                "sk-hynixs-market-share-to-exceed-50-in-2023-due-to-demand-for-ai-servers/136048/ein")
ETO_LATER = ("Emerging Technology Observatory (Georgetown CSET), Advanced Semiconductor Supply Chain Dataset, "
             "later release than /work/shared/data/eto: data/inputs.csv of georgetown-cset/eto-chip-explorer (commit "
             "8a926c18b026), citing CSET, The Semiconductor Supply Chain: Assessing National Competitiveness (Khan, "
             "Mann, Peterson, 2021-01) — https://github.com/georgetown-cset/eto-chip-explorer/blob/"
             "8a926c18b026c38d170a3b3c08f1dfaebd2fa35e/data/inputs.csv ; "
             "https://cset.georgetown.edu/publication/the-semiconductor-supply-chain/")
ETO_LATER_NOTE = ("the later ETO release (georgetown-cset/eto-chip-explorer data/inputs.csv, commit 8a926c18b026) "
                  "gives tool-segment sizes only for 2024 (CSET analysis of TechInsights data), not used for "
                  "this node, which has a 2019 figure (lithography, etch and metrology use them, market_year 2024)")
MMR_DEP = ("中商产业研究院 (Askci), repost: 2021年全球薄膜沉积设备行业市场现状及市场竞争格局预测分析 [global thin-film "
           "deposition equipment market status and competition, 2021] (2021-08-09), citing Maximize Market Research — "
           "http://www.k5tbgj.cn/document/detail/id/4770.html")
GARTNER_ICHOR = ("Ichor Holdings prospectus supplement (SEC form 424B5, 2020), citing Gartner, Market Share: "
                 "Semiconductor Wafer Fab Equipment, Worldwide, 2019 (April 2020) — "
                 "https://capedgeqa.com/filing/1652535/0001193125-20-315898/ICHR-424B5")
AMR_LITHO = ("Allied Market Research: Photolithography Equipment Market, 2020-2027 — "
             "https://www.alliedmarketresearch.com/photolithography-equipment-market-A07956")
NIKON_FY19 = ("MarketScreener (Nikon): The Year ended March 2020 Financial and Business Data (2020-05-28) — "
              "https://www.marketscreener.com/NIKON-CORPORATION-6491168/news/Nikon-The-Year-ended-March-2020-"
              "Financial-and-Business-Data-30684795/")
ETO_TI = ("Emerging Technology Observatory (Georgetown CSET), Advanced Semiconductor Supply Chain Dataset, later "
          "release than /work/shared/data/eto: data/inputs.csv of georgetown-cset/eto-chip-explorer (commit "
          "8a926c18b026), rows sourced there to 'CSET analysis of TechInsights data (2024). Data used for analysis "
          "were published by TechInsights on May 5, 2025.' — https://github.com/georgetown-cset/eto-chip-explorer/"
          "blob/8a926c18b026c38d170a3b3c08f1dfaebd2fa35e/data/inputs.csv ; hierarchy: data/sequence.csv at the same "
          "commit — https://github.com/georgetown-cset/eto-chip-explorer/blob/"
          "8a926c18b026c38d170a3b3c08f1dfaebd2fa35e/data/sequence.csv")
ETO_TI_NOTE = ("CSET's published aggregates of TechInsights data (TechInsights is the original publisher; the stored "
               "eto-chip-explorer repo has no licence file, CC BY-NC 4.0 is the ETO dataset's licence, "
               "/work/shared/data/eto/LICENSE.md)")


def back_note(value: str, lo14: str, hi14: str) -> str:
    return ("size for 2024, market_year 2024: the model carries it back to the 2014 start year with the node's "
            "demand_growth (UNSOURCED range 0.03-0.10 per year: " + value + " / 1.03^10 = " + lo14 + " to " + value
            + " / 1.10^10 = " + hi14 + " USD bn in 2014), an assumption: the world market is assumed to have grown "
            "at that rate since 2014")


MARKETS = {
    "eda": dict(value=6.8, year=2019,
                source=ETO_LATER,
                notes="ETO/CSET row N84 'Electronic design automation software': '$6.8 billion (2019)', sourced there "
                      "to CSET (citing Mentor Graphics, Journal of Microelectronic Manufacturing, IPNest, BCG); EDA "
                      "software only (core IP is a separate row in the same file: N85 '$3.9 billion (2019)', matching "
                      "core_ip 3.92 here). The Sept 2022 ETO release in /work/shared/data/eto has no size for N84 "
                      "(placeholder column). Inside the old UNSOURCED range 6-7.5. Cross-check: SEMI/ESD Alliance: "
                      "'In 2019, the EDA market surpassed a total annual value of $10 billion for the first time', a "
                      "total that INCLUDES services and semiconductor IP (" + ESD_2019 + "); ESD Alliance SIP revenue "
                      "Q4 2019 = 900.6 USD m (" + ESD_SIP_Q4 + "); 10+ minus ~3.5-3.9 IP is consistent with 6.8"),
    "core_ip": dict(value=3.92, year=2019,
                    source="DERIVED: IPnest CPU IP revenue 2019 1,460 USD m / CPU IP share of design IP 37.2% = "
                           "3,925 USD m, rounded 3.92 USD bn (cross-check: interface IP 870 USD m / 22.1% = "
                           "3,937 USD m) | " + IPNEST,
                    notes="design IP (licences + royalties) per IPnest; the 37.2% and 22.1% shares are read as the "
                          "2019 end of the 2017-2019 trend the page quotes (assumption); " + ETO_EMPTY),
    "lithography": dict(value=23.89, year=2024,
                        source="DERIVED: sum of the ETO/CSET rows of the inputs mapped to this node: N20 'EUV "
                               "lithography tools' '$9 billion (2024)' + N21 'ArF dry (DUV) lithography tools' "
                               "'$887.8 million (2024)' + N22 'ArF immersion (DUV) lithography tools' '$10.6 billion "
                               "(2024)' + N32 'Resist processing tools' '$3.4 billion (2024)' = 9.0 + 0.8878 + 10.6 + "
                               "3.4 = 23.8878, rounded 23.89 USD bn | " + ETO_TI,
                        notes=back_note("23.89", "17.77", "9.21") + "; " + ETO_TI_NOTE + ". Sum made here, not a "
                        "published total: the same file's aggregate N19 'Lithography tools' '$29.1 billion (2024)' "
                        "covers MORE and is not used: per sequence.csv its types are N20, N21, N22 plus KrF N105 '$2.7 "
                        "billion', i-line N106 '$1.1 billion', imprint N107 '$29.5 million', maskless N28 (mask "
                        "exposure e-beam N29 '$951.8 million', laser N30 '$185 million'), direct write N108 '$33.4 "
                        "million', mask aligners N123 '$214.3 million' (listed types add to 25.70; the rest of 29.1 "
                        "is not broken out), and it does NOT include resist processing N32 (a separate input to "
                        "photolithography N25). KrF and i-line (named in tier_mature) are not among the mapped inputs "
                        "(absent from the 2022 release); with them 23.89 + 2.7 + 1.1 = 27.69. " + ETO_EMPTY + " (2022 "
                        "release in /work/shared/data/eto). Earlier 2019 anchors (old UNSOURCED 2019 range 10-16): "
                        "rejected Allied Market Research, photolithography equipment 8.04 USD bn in 2019 ("
                        + AMR_LITHO + ") - below ASML's own 2019 net system sales of 8,996.2 EUR m (EUR/USD about 1.11 "
                        "in Nikon's FY2019 averages: USD 109 yen, EUR 121 yen, " + NIKON_FY19 + "), so not credible as "
                        "a market total; MarketsandMarkets 11.6 USD bn is for 2020 (https://www.prnewswire.co.uk/news-"
                        "releases/photolithography-equipment-market-worth-18-0-billion-by-2025-exclusive-report-by-"
                        "marketsandmarkets-tm--891106622.html); all semiconductor equipment billings 2019 = 59.75 USD "
                        "bn (SEMI, macro.csv); "
                        "ASML 2019 total net sales 11,820.0 EUR m, of which net system sales 8,996.2 EUR m, 229 "
                        "lithography systems sold (" + ASML_2019 + "); Nikon and Canon litho revenue not found; "
                        "EUR/USD 2019 not in the project's data (only Nikon's fiscal-year averages above), so no USD value; Nikon FY2019 (Apr 2019-Mar "
                        "2020) sold 45 semiconductor litho systems (34 new) (https://global-net.co.jp/archives/1244); "
                        "Gartner via Barclays: litho ~21% of WFE spending in 2010-11 (https://sst.semiconductor-digest."
                        "com/2012/04/semiconductor-wafer-fab-equipment-trends-lithography) and Yole: WFE 59 USD bn in "
                        "2019 (https://www.yolegroup.com/yole-group-actuality/exploring-semiconductor-equipment-during-"
                        "a-geopolitically-charged-era/) - mixing those years would give ~12, not used as a value"),
    "deposition": dict(value=15.5, year=2019, source=MMR_DEP,
                       notes="Maximize Market Research via 中商产业研究院: global semiconductor thin-film deposition "
                             "equipment 12.5 (2017), 14.5 (2018), 15.5 (2019), about 17.2 (2020) USD bn; PECVD 33% and "
                             "ALD 11% of the deposition market (same page). A market-research vendor estimate read on a "
                             "repost page (the original Askci address was not found), treat as rough; the node label "
                             "also covers RTP, tube diffusion and plating, which a 'thin-film deposition' total may "
                             "leave out. Inside the old UNSOURCED range 10-16. Cross-check: Gartner, dry etch + CVD "
                             "combined 18 USD bn in 2019 (11 in 2015) (" + GARTNER_ICHOR + "). " + ETO_EMPTY + "; "
                             + ETO_LATER_NOTE + " (deposition tools 24.1 USD bn in 2024)"),
    "etch": dict(value=24.7, year=2024, source=ETO_TI,
                 notes="ETO/CSET row N55 'Etch and clean tools': '$24.7 billion (2024)', a published aggregate (not a "
                       "sum made here); " + ETO_TI_NOTE + "; " + back_note("24.7", "18.38", "9.52") + ". Per "
                       "sequence.csv N48 'Dry etching and cleaning tools' '$19.1 billion (2024)' and N49 'Wet etching "
                       "and cleaning tools' '$6.4 billion (2024)' go into N55; they add to 25.5, not 24.7 (the file "
                       "does not explain the gap; N55 is used as published). Mapped inputs only: N49 6.4 + N50 "
                       "conductor etching 9.9 + N51 insulator etching 7.4 = 23.7 (dry stripping N53, dry clean N102, "
                       "misc. dry etch N54 not mapped); etch and clean for advanced packaging N129 '$1.2 billion' is a "
                       "separate row, not in N55. " + ETO_EMPTY + " (2022 release in /work/shared/data/eto). Earlier "
                       "2019 anchors (old UNSOURCED 2019 range 9-15): SEMI total equipment 59.75 USD bn (2019); "
                       "Gartner, dry etch + CVD COMBINED 18 USD bn in 2019 (11 in 2015), not split (" + GARTNER_ICHOR
                       + "); Bosson Research etch equipment 9.61 USD bn in 2020 (https://www.asdreports.com/market-"
                       "research-report-604772/global-semiconductor-etch-equipment-market-research-report-status-"
                       "outlook), another year"),
    "metrology": dict(value=13.4, year=2024, source=ETO_TI,
                      notes="ETO/CSET row N60 'Process control tools': '$13.4 billion (2024)', a published aggregate "
                            "(not a sum made here); " + ETO_TI_NOTE + "; " + back_note("13.4", "9.97", "5.17") + ". "
                            "Per sequence.csv N60's types are N61 wafer inspection (no size of its own; its types N65 "
                            "film/stack/shape metrology 2.3, N66 critical dimensions 0.8699, N67 defect inspection "
                            "5.9, N114 overlay 0.9066, N115 e-beam metrology 0.7695, N116 defect review 0.6181 USD bn "
                            "add to 11.36), N62 photomask inspection and repair 2.1 and N64 process monitoring 0.0509: "
                            "13.52 in all, consistent with 13.4 within the rounding of the rows. The mapped inputs "
                            "cover less: N62 2.1 + N63 inspection (adv. pkg.) 0.9057 (now a type of N109 advanced "
                            "packaging tools, outside N60) + N64 0.0509 = 3.06; wafer and photomask handlers N59 not "
                            "included. " + ETO_EMPTY + " (2022 release in /work/shared/data/eto). Earlier 2019 "
                            "anchors (old UNSOURCED 2019 range 5-8): SEMI total equipment 59.75 USD bn (2019); KLA 55% "
                            "of metrology/inspection equipment in 2019 (The Information Network, " + TIN_PC + "), no "
                            "total given; Allied Market Research: lithography metrology equipment only 382.6 USD m in "
                            "2018 (a small sub-segment, https://www.einpresswire.com/article/523919475/lithography-"
                            "metrology-equipment-market-to-reach-681-4-million-by-2026-says-amr)"),
    "wafers": dict(value=11.15, year=2019, source=SEMI_SI,
                   notes="SEMI Silicon Manufacturers Group: 2019 silicon wafer revenue 11.15 USD bn (11.38 in 2018; "
                         "area 11,810 MSI), semiconductor applications only, excl. solar"),
    "materials": dict(value=21.65, year=2019,
                      source="DERIVED: SEMI 2019 wafer fab materials 32.8 USD bn - SEMI SMG 2019 silicon wafer "
                             "revenue 11.15 USD bn = 21.65 USD bn | " + SEMI_MAT + " ; " + SEMI_SI,
                      notes="fab materials EXCLUDING silicon wafers (own node) and EXCLUDING packaging materials "
                            "(19.2 USD bn in 2019, SEMI), matching the node label; but the edge assembly_test <- "
                            "materials stands for packaging materials, which this size leaves out (incl. them: "
                            "21.65 + 19.2 = 40.85). Two SEMI series (MMDS and SMG) may define silicon slightly "
                            "differently"),
    "chip_design": dict(value=106.6, year=2019,
                        source="DERIVED: IC Insights fabless IC company sales forecast 2020 = 130.0 USD bn after a "
                               "22% jump, so 2019 = 130.0 / 1.22 = 106.6 USD bn | " + ICI_FABLESS,
                        notes="FABLESS/system IC companies' IC sales only (IDM design value not included); fabless "
                              "share of the IC market 29.7% in 2019 (same source; 29.9% in the revised 2021 "
                              "release); overlaps chip sales value (412 USD bn WSTS 2019); not additive with fabs. "
                              + ETO_EMPTY),
    "logic_fab": dict(value=57.0, year=2019,
                      source="DERIVED: IC Insights pure-play foundry sales in China 2019 = 11.4 USD bn = 20% of the "
                             "pure-play foundry market, so 11.4 / 0.20 = 57.0 USD bn (share rounded: 54-60) | "
                             + ICI_FOUNDRY,
                      notes="PURE-PLAY FOUNDRY revenue 2019 only (TSMC, GlobalFoundries, UMC, SMIC...); excludes "
                            "IDM foundry (Samsung) and IDMs' in-house logic fabs (Intel), so it understates logic "
                            "fabrication; IC Insights: pure-play market fell 1% in 2019, pure-play = 81.4% of total "
                            "foundry in 2020 (forecast). " + ETO_EMPTY),
    "memory_fab": dict(value=106.4, year=2019, source=WSTS,
                       notes="WSTS memory sales 2019 (DRAM -37.1%, NAND -25.9% vs 2018); sales value of memory "
                             "chips (IDMs: design and fab together)"),
    "assembly_test": dict(value=28.1, year=2019, source=YOLE_OSAT,
                          notes="OSAT revenue 2019 (Yole): 28.1 USD bn, up from 27.9 in 2018; ASE almost 50%, ASE + "
                                "Amkor + JCET 74%; OUTSOURCED ATP only (IDMs' in-house ATP not included). " + ETO_EMPTY),
    "power_semis": dict(value=46.3, year=2019, source=OMDIA,
                        notes="Omdia: power ICs + power discretes + power modules, 2019 revenue"),
    "ai_chips": dict(value=8.0, year=2019, source=GMI_AI,
                     notes="Global Market Insights: 'AI accelerator chipsets' 8 USD bn in 2019 (cloud 40%); a "
                           "market-research estimate with a vendor-specific definition, treat as rough. Narrower "
                           "definition for comparison: Omdia cloud and data-centre AI processors 2020 = 4 USD bn after "
                           "+79%, so 2019 = 4 / 1.79 = 2.2 USD bn (" + OMDIA_AI + "). Not in ETO "
                           "with a size (N1-N4 have no usable size; N1 '$5.5 billion' row cites placeholder 'Cool "
                           "Semiconductor Research Firm LLC')"),
    "ai_models": dict(low=10, high=60, notes="2019 global AI software and services revenue, wide range; definitions vary"),
    "data_centres": dict(low=150, high=250, notes="2019 global data-centre capex/systems, wide range"),
    "critical_minerals": dict(low=30, high=80, notes="2019 value of battery and electronic minerals (Li, Co, Ni for batteries, graphite, Ga, Ge)"),
    "battery_materials": dict(low=20, high=50, notes="2019 Li-ion cathode, anode, electrolyte, separator"),
    "battery_cells": dict(low=30, high=60, notes="2019 Li-ion battery market (all uses); cell prices in history.csv"),
    "ev_assembly": dict(low=60, high=150, notes="2019 global plug-in vehicle sales value (~2 m units; China 1.206 m CAAM)"),
    "charging": dict(low=5, high=20, notes="2019 global EV charging equipment and installation"),
    "base_stations": dict(low=30, high=50, notes="2019 global mobile RAN equipment"),
    "avionics": dict(low=30, high=70, notes="2019 global avionics (civil and military)"),
    "aircraft": dict(low=250, high=400, notes="2019 global commercial aircraft and engines deliveries"),
    "rail": dict(low=150, high=250, notes="2019 global rail supply (rolling stock, signalling)"),
    "industrial_software": dict(low=200, high=500, notes="2019 global enterprise software incl. industrial; definition-dependent"),
    "cloud": dict(low=200, high=300, notes="2019 global public cloud services"),
    "ecommerce": dict(low=2500, high=4000, notes="2019 global retail e-commerce GMV (not revenue)"),
    "biopharma": dict(low=1100, high=1400, notes="2019 global pharmaceutical market"),
    "quantum": dict(low=0.1, high=1.0, notes="2019 global quantum technology revenue, nascent"),
    "fintech": dict(low=100, high=300, notes="2019 global fintech revenue; definition-dependent"),
    "crypto": dict(low=5, high=30, notes="2019 crypto mining and exchange revenue; very volatile"),
    "hbm": dict(value=4.35, year=2023,
                source="DERIVED: TrendForce DRAM industry revenue 2023 51.8 USD bn x HBM share of DRAM revenue 8.4% "
                       "= 4.35 USD bn | " + TF_HBM_SIZE,
                notes="market_year 2023 (nearest year with a figure; HBM was a small niche in 2019); same source: 2022 = "
                      "80 x 2.6% = 2.08 USD bn; 2024 forecast 84.2 x 20.1% = 16.9 USD bn. The model back-casts to "
                      "the start year with demand_growth, so the 2014 size depends on that UNSOURCED rate"),
}

# ---------------------------------------------------------------- memory shares (not ETO)
DRAM_SRC = ("smalltechnews (TrendForce DRAMeXchange): Global DRAM maker revenue ranking 4Q19 — "
            "https://www.smalltechnews.com/archives/86824")
NAND_SRC = ("BusinessKorea (DRAMeXchange): Samsung Electronics and SK Hynix Led Global Semiconductor "
            "Industry Last Year (2019-03-05) — http://www.businesskorea.co.kr/news/articleView.html?idxno=29678")
# DRAM 4Q2019 revenue shares: Samsung 43.5, SK hynix 29.2 (KR); Micron 22.3 (US); Nanya 2.8, Winbond 0.9,
# PSMC 0.4 (TW); remainder 0.9 other.  NAND 2018: Samsung 35.0, SK hynix 10.6 (KR); Toshiba 19.2 (JP);
# WDC 14.9, Micron 12.9 (US); remainder 7.4 other (incl. Intel, not separately given).
# Weights: DRAM 2018 sales 99.655 USD bn (DRAMeXchange), NAND 2018 = Samsung 22.109 / 0.35 = 63.17 USD bn.
DRAM = {"KR": 43.5 + 29.2, "US": 22.3, "TW": 2.8 + 0.9 + 0.4, "other": 0.0}
DRAM["other"] = 100 - sum(DRAM.values())
NAND = {"KR": 35.0 + 10.6, "JP": 19.2, "US": 14.9 + 12.9, "other": 0.0}
NAND["other"] = 100 - sum(NAND.values())
W_DRAM, W_NAND = 99.655, 22.109 / 0.35

# ---------------------------------------------------------------- non-ETO UNSOURCED share ranges
# node -> {region: (low, high)}, basis, notes.  Values left empty in the file.
UNSOURCED_SHARES = {
    "materials": ({"US": (0.1, 0.25), "NL": (0.0, 0.02), "JP": (0.35, 0.6), "KR": (0.03, 0.1), "TW": (0.03, 0.1),
                   "EU": (0.08, 0.2), "CN": (0.02, 0.1), "other": (0.0, 0.05)}, "headquarters",
                  "ETO lists providers but no numeric country shares for photoresist (JPN, USA, KOR; CHN negligible), "
                  "gases, wet chemicals, deposition and CMP materials; only N33 photomasks has shares "
                  "(JPN 53%, USA 40%, TWN 7%); ranges informed by those provider lists. Searched again (SEMI materials "
                  "releases, photoresist/gas/wet-chemical supplier shares, later ETO release): no 2019 country split "
                  "for fab materials found; the later ETO release (georgetown-cset/eto-chip-explorer) has 2019 "
                  "sizes for some materials (CSET: photoresists 3.3, photomasks 4, electronic gases 6, CMP slurries "
                  "and pads 2.5, sputtering targets 1 USD bn) but its provider shares are 2024 tool data. Checked "
                  "again: every stored version of the later ETO provision.csv gives material "
                  "providers (N31 photoresist, N88, N90-N92) without numbers; SEMI's 2019 materials revenues by region "
                  "(Taiwan 11.34 ... Europe 3.89 of 52.14 USD bn; https://www.semi.org/en/news-resources/press/global-"
                  "semiconductor-materials-market) are CONSUMPTION by fab location, not supply; the "
                  "BCG/SIA 2021 report was found only as a Scribd copy whose excerpts show no materials split; "
                  "company shares found are single segments and old (photoresist: Gartner 2007 JSR 27.8%, Shin-Etsu "
                  "13.4%, fabtech.org 2008; Techcet 2010 JSR + TOK 46%, Dow ~20%, fabtech.org); Japanese firms ~50% of "
                  "semiconductor materials (METI via Nikkei, 2023; Japan only; https://en.eeworld.com/mp/Icbank/"
                  "a291181.jspx) - no full country split, so values stay UNSOURCED"),
}
# ---------------------------------------------------------------- non-ETO SOURCED shares (issue 3)
# node -> dict(shares (region -> share before rounding; 'other' = remainder), basis, year, source, notes)
DELLORO_RAN = ("Mobile World Live (Dell'Oro Group): China drives Huawei, ZTE global RAN share gains (2021-03-08) — "
               "https://www.mobileworldlive.com/asia/asia-news/china-drives-huawei-zte-global-ran-share-gains")
GARTNER_IAAS = ("CIO Dive (Gartner): AWS, Microsoft IaaS public cloud market share 2019-2020 (2021) — "
                "https://ciodive.com/news/public-cloud-iaas-market-share-2021/602461")
EVSALES_H1 = ("InsideEVs (EV Sales Blog): World's Top 5 EV Automotive Groups In First Half Of 2019 (2019-08-05) — "
              "https://insideevs.com/news/363357/world-top-5-ev-automotive-groups-first-half-2019/")
OMDIA_POWER22 = ("Hashimoto Soken (Omdia): パワー半導体メーカー市場シェアランキング (power semiconductor maker market share "
                 "ranking, Omdia 2022 world shares) — https://hasimoto-soken.com/?p=14257")
OMDIA_AI20 = ("Embedded Computing Design (Omdia): NVIDIA Maintains Position in 2020 Market for AI Processors for Cloud "
              "and Data Center (2021-08-06) — https://embeddedcomputing.com/technology/processing/chips-and-socs/"
              "nvidia-maintains-position-in-2020-market-for-ai-processors-for-cloud-and-data-center ; Fierce "
              "Electronics (Omdia) via Silicon Investor: Nvidia has 80% share of AI processors, Omdia says, except... "
              "(2021-08-12) — https://si.frajer.net/readmsg.aspx?msgid=33438376")
SOURCED_SHARES = {
    "hbm": dict(
        shares={"KR": 0.50 + 0.40, "US": 0.10},
        basis="headquarters", year=2022, source="DERIVED: TrendForce HBM supplier shares 2022: SK hynix 50% + "
        "Samsung 40% = KR 0.90; Micron 10% = US 0.10; remainder 0 on other | " + TF_HBM_SHARE,
        notes="HBM market shares by supplier revenue, 2022 (no Chinese supplier in 2022); TrendForce projected 2023: SK hynix 53%, Samsung 38%, Micron 9%. By site, part of the "
              "DRAM dies come from fabs in China (SK hynix Wuxi) - not used here"),
    "power_semis": dict(
        shares={"EU": 0.214 + 0.085, "US": 0.101 + 0.041 + 0.026, "JP": 0.052 + 0.047 + 0.037 + 0.032,
                "NL": 0.032},
        basis="headquarters", year=2022, source="DERIVED: Omdia power semiconductor world market shares 2022 (top "
        "10): Infineon 21.4% (Germany) + STMicroelectronics 8.5% = EU 0.299; onsemi 10.1% + Vishay 4.1% + Alpha & "
        "Omega 2.6% = US 0.168; Mitsubishi Electric 5.2% + Fuji Electric 4.7% + Toshiba 3.7% + Rohm 3.2% = JP "
        "0.168; Nexperia 3.2% = NL 0.032; unlisted remainder 33.3% on other | " + OMDIA_POWER22,
        notes="2022 shares (no 2018-2020 company split with numbers found; the Omdia rankings quoted by Mynavi "
              "TechPlus (2022-04-26, https://news.mynavi.jp/techplus/article/20220426-2330451/ ; 2021-05-13, "
              "https://news.mynavi.jp/techplus/article/20210513-1887983/) give ranks only: Infineon 1st and onsemi "
              "2nd 'rock-solid', Mitsubishi Electric 3rd until 2020, Toshiba 5th and Fuji Electric 7th in 2019, "
              "2020 market 14.46 USD bn, so the 2019 structure was similar). Omdia's power semiconductor devices are "
              "transistors, thyristors, rectifiers and diodes (discretes and modules), NOT power ICs: a narrower "
              "definition than the node and its 46.3 USD bn market size. The page lists STMicroelectronics under "
              "Switzerland (HQ Geneva); it is counted as EU (Franco-Italian group; by strict HQ it would be other). "
              "Nexperia is HQ Nijmegen (NL) but a subsidiary of China's Wingtech (Jiankun, 2022-06-14 - "
              "http://118.195.195.103/list_61/164.html), so by ownership its 0.032 would be CN. The 33.3% remainder "
              "(incl. Renesas (JP) and Diodes (US), top-10 in other Omdia cuts, and Chinese makers) is not split "
              "and is put on other, so JP, US, EU and CN are LOWER bounds. Cross-check: IHS Markit 2017, Infineon 18.6% "
              "of discretes + modules and 12.5% of the whole market incl. power ICs (https://markets.businessinsider."
              "com/news/stocks/infineon-extends-its-market-leadership-for-power-semiconductors-1027502305)"),
    "ai_chips": dict(
        shares={"US": 0.806},
        basis="headquarters", year=2020, source="DERIVED: Omdia cloud and data-centre AI processor revenue share "
        "2020: NVIDIA 80.6% = US 0.806; ranks 2-5 (Xilinx, Google TPU, Intel (Habana, FPGAs), AMD - all US) are "
        "named without shares; remainder 19.4% on other | " + OMDIA_AI20,
        notes="cloud and data-centre AI processors only (excludes edge/device AI chips and general-purpose server "
              "CPUs such as Intel Xeon); 2020 (2019 from the same source: NVIDIA 1.8 USD bn of 4.0/1.79 = 2.23 USD bn "
              "= ~0.81, same structure). The 19.4% remainder mixes US firms (ranks 2-5, all US-headquartered) with "
              "others (Huawei/HiSilicon and Cambricon (CN), Graphcore (UK)...) and is not split, so US is a LOWER "
              "bound and other an upper bound; CN is 0 only because no Chinese share is published. "
              "Cross-check: NVIDIA GPUs in >97% of AI accelerator instances at AWS, Google, Alibaba and Azure in "
              "2019 (instances, not revenue; Wired UK via IAIDL - https://iaidl.org/2021/09/04/nvidia-in-the-lead-"
              "in-ai-chips-and-is-working-to-stay-there)"),
    "base_stations": dict(
        shares={"CN": 0.32 + 0.08, "EU": 0.29 + 0.21, "KR": 0.08},
        basis="headquarters", year=2019, source="DERIVED: Dell'Oro worldwide RAN revenue shares 2019: Huawei 32% "
        "(2020 share 33% 'up 1 percentage point') + ZTE 8% = CN 0.40; Ericsson 29% ('flat' vs 2020) + Nokia 21% = "
        "EU 0.50 (Sweden, Finland); Samsung 8% = KR 0.08; remainder 0.02 on other | " + DELLORO_RAN,
        notes="mobile RAN equipment only (the node also covers other network gear); Huawei 2019 share derived "
              "from the 2020 figure and its stated change; vendor headquarters (Huawei, ZTE = CN)"),
    "cloud": dict(
        shares={"US": 0.446 + 0.174 + 0.052, "CN": 0.088 + 0.019},
        basis="headquarters", year=2019, source="DERIVED: Gartner IaaS public cloud revenue shares 2019: Amazon "
        "44.6% + Microsoft 17.4% + Google 5.2% = US 0.672; Alibaba 8.8% + Huawei 1.9% = CN 0.107; 'Others' 22.1% "
        "= other | " + GARTNER_IAAS,
        notes="IaaS only (node also covers PaaS and industrial-internet platforms). Gartner's 'Others' (22.1%) "
              "mixes US (IBM, Oracle...), CN (Tencent...) and other providers and is not split, so US and CN are "
              "LOWER bounds and 'other' an upper bound"),
    "ev_assembly": dict(
        shares={"CN": 0.56, "US": 0.17, "EU": 0.11, "JP": 0.09, "KR": 0.06},
        basis="headquarters", year=2019, source="DERIVED: plug-in car sales H1 2019 by brand origin: China 56%, "
        "USA 17%, Germany 11% (-> EU), Japan 9%, South Korea 6%; remainder 0.01 on other | " + EVSALES_H1,
        notes="passenger plug-in cars (BEV + PHEV), first half of 2019, units not value, by brand origin (EV Sales "
              "Blog); French, Swedish and other EU brands are not listed on the page and fall in the 1% remainder "
              "(put on other), so EU is a lower bound"),
}

GENERIC_NOTE = "no source found quickly; range is a stated plausible prior for 2014-2019"
GENERIC = {
    "ai_models": {"US": (0.5, 0.8), "CN": (0.1, 0.3), "EU": (0.02, 0.1), "other": (0.02, 0.1)},
    "data_centres": {"US": (0.4, 0.6), "CN": (0.1, 0.25), "EU": (0.05, 0.15), "JP": (0.02, 0.08), "other": (0.05, 0.15)},
    "critical_minerals": {"CN": (0.3, 0.6), "other": (0.3, 0.6), "US": (0.01, 0.05)},
    "battery_materials": {"CN": (0.5, 0.8), "JP": (0.1, 0.25), "KR": (0.05, 0.15), "other": (0.0, 0.1)},
    # ranges bounded below by SNE Research 2019 named-supplier shares (see GENERIC_NOTES)
    "battery_cells": {"CN": (0.279, 0.6), "JP": (0.241, 0.3), "KR": (0.158, 0.2), "US": (0.0, 0.02),
                      "EU": (0.0, 0.02), "other": (0.0, 0.05)},
    "charging": {"CN": (0.4, 0.7), "EU": (0.1, 0.3), "US": (0.05, 0.2), "other": (0.02, 0.1)},
    "avionics": {"US": (0.5, 0.7), "EU": (0.2, 0.35), "CN": (0.0, 0.05), "other": (0.02, 0.1)},
    "aircraft": {"US": (0.35, 0.55), "EU": (0.4, 0.6), "CN": (0.0, 0.02), "other": (0.03, 0.12)},
    "rail": {"CN": (0.3, 0.5), "EU": (0.3, 0.45), "JP": (0.03, 0.1), "US": (0.02, 0.1), "other": (0.02, 0.1)},
    "industrial_software": {"US": (0.5, 0.7), "EU": (0.15, 0.3), "JP": (0.02, 0.08), "CN": (0.01, 0.05), "other": (0.02, 0.08)},
    "ecommerce": {"CN": (0.3, 0.55), "US": (0.2, 0.35), "EU": (0.05, 0.15), "JP": (0.02, 0.06), "KR": (0.02, 0.05), "other": (0.03, 0.1)},
    "biopharma": {"US": (0.4, 0.5), "EU": (0.2, 0.3), "JP": (0.05, 0.1), "CN": (0.05, 0.12), "other": (0.05, 0.12)},
    "quantum": {"US": (0.35, 0.6), "CN": (0.1, 0.3), "EU": (0.1, 0.25), "other": (0.03, 0.12)},
    "fintech": {"US": (0.3, 0.5), "CN": (0.2, 0.4), "EU": (0.05, 0.15), "other": (0.05, 0.15)},
    "crypto": {"CN": (0.4, 0.7), "US": (0.05, 0.2), "other": (0.1, 0.4)},
}
# evidence found for issue 3 that bounds, but does not fix, a node's shares
GENERIC_NOTES = {
    "battery_cells": "partly evidenced: SNE Research EV-battery usage shares 2019: CATL 27.9% (CN), Panasonic 24.1% "
                     "(JP), LG Chem 10.5% + Samsung SDI 3.6% + SK Innovation 1.7% = 15.8% (KR) (Yonhap, 2020-02-10 — "
                     "https://m-en.yna.co.kr/view/AEN20200210004500320); the other 32.2% (BYD, AESC/Envision, Guoxuan, "
                     "Lishen - mostly China-headquartered - and others) is not split on any page read, so the named "
                     "shares are used as LOWER bounds and the values stay UNSOURCED; EV batteries only (GWh), not all "
                     "Li-ion; anchors are 2019, the row year is the 2014 start",
    "aircraft": "partly evidenced: 2019 deliveries Airbus 863, Boeing 380 (737 MAX grounding; FreightWaves — "
                "https://freightwaves.com/news/boeings-2019-drop-in-commercial-airplane-deliveries-a-stark-reversal-"
                "from-2018); 2018 Boeing 806, Airbus 800 (Key Aero — https://www.key.aero/article/deliveries-and-"
                "orders). Units, not value; regional jets (Embraer, Bombardier -> other; COMAC ARJ21 -> CN) and "
                "aero-engines (GE/CFM, Pratt & Whitney, Rolls-Royce -> other) not covered, so values stay UNSOURCED; "
                "Airbus counted as EU (operational HQ Toulouse; legal seat Leiden, NL)",
    "critical_minerals": "no country shares for the node's bundle (Li, Co, Ni, graphite, Ga, Ge) were read; USGS "
                         "Mineral Commodity Summaries 2020 world-production tables did not come up in the search "
                         "tool's excerpts. Evidence for single minerals: China ~97% of world primary gallium (Roskill, "
                         "2020-10, reposted — https://si.frajer.net/readmsg.aspx?msgid=33002112); China ~60% of "
                         "germanium (CRMA via Reuters factbox, 2023 — https://fvbb.com/ns/factbox-some-facts-about-"
                         "strategic-materials/72611); lithium, cobalt and nickel are mined mostly outside China, hence "
                         "the wide CN range; prior for 2014-2019",
}
for _n, _r in GENERIC.items():
    full = {reg: (0.0, 0.0) for reg in REGIONS}
    full.update(_r)
    UNSOURCED_SHARES[_n] = (full, "headquarters", GENERIC_NOTES.get(_n, GENERIC_NOTE))


# ---------------------------------------------------------------- helpers
def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        return list(csv.DictReader(fh))


def pct(s: str) -> float | None:
    s = (s or "").strip().rstrip("%")
    return float(s) / 100 if s else None


def eto_country_shares(eto: Path) -> dict[str, dict[str, float]]:
    """ETO provided_id -> {zili region: normalised share} from country rows with numbers."""
    providers = {r["provider_id"]: r for r in read_csv(eto / "providers.csv")}
    raw: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in read_csv(eto / "provision.csv"):
        p = providers.get(r["provider_id"])
        if p is None or p["provider_type"] != "country":
            continue
        v = pct(r["share_provided"])
        if v is None:
            continue
        region = COUNTRY_MAP.get(r["provider_name"], "other")
        raw[r["provided_id"]][region] += v
    out = {}
    for k, d in raw.items():
        tot = sum(d.values())
        out[k] = {reg: d.get(reg, 0.0) / tot for reg in REGIONS}
    return out


def round_to_one(shares: dict[str, float]) -> dict[str, float]:
    r = {k: round(v, 3) for k, v in shares.items()}
    r["other"] = round(1.0 - sum(v for k, v in r.items() if k != "other"), 3)
    if r["other"] < 0:
        # rounding overshoot with a true 'other' share of ~0: take it off the largest share
        big = max((k for k in r if k != "other"), key=lambda k: r[k])
        r[big] = round(r[big] + r["other"], 3)
        r["other"] = 0.0
    return r


def fmt(v) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, float):
        return f"{v:.6g}" if abs(v) < 1e6 else f"{v:.0f}"
    return str(v)


def write(path: Path, header: list[str], rows: list[dict]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow({k: fmt(row.get(k, "")) for k in header})
    path.write_text(buf.getvalue(), encoding="utf-8")


# ---------------------------------------------------------------- builders
def build_supply_shares(eto: Path) -> list[dict]:
    shares = eto_country_shares(eto)
    rows = []
    for node in NODE_ORDER:
        if node in NODE_ETO:
            ids, basis, expl = NODE_ETO[node]
            missing = [i for i in ids if i not in shares]
            if missing:
                raise KeyError(f"{node}: no numeric ETO shares for {missing}")
            agg = {reg: sum(shares[i][reg] for i in ids) / len(ids) for reg in REGIONS}
            agg = round_to_one(agg)
            working = " + ".join(ids)
            for reg in REGIONS:
                rows.append(dict(
                    node=node, country=reg, share=agg[reg], basis=basis, year=2019,
                    source=f"DERIVED: equal-weight mean of normalised country shares of ETO {working} "
                           f"(ETO gives no market sizes), rounded to 3 dp, remainder on 'other' (if negative, taken off the largest share) | "
                           + ETO_SRC.format(file="provision.csv"),
                    use="build", licence=ETO_LICENCE,
                    notes=f"ETO inputs: {expl}. Shares of the global market (not China's self-sufficiency); "
                          f"ETO vintage ~2019, used as the structure of foreign supply at the 2014 start"))
        elif node == "memory_fab":
            agg = {reg: 0.0 for reg in REGIONS}
            for reg in REGIONS:
                agg[reg] = (W_DRAM * DRAM.get(reg, 0.0) + W_NAND * NAND.get(reg, 0.0)) / (100 * (W_DRAM + W_NAND))
            agg = round_to_one(agg)
            for reg in REGIONS:
                rows.append(dict(
                    node=node, country=reg, share=agg[reg], basis="headquarters", year=2019,
                    source="DERIVED: (99.655*DRAM share 4Q2019 + 63.17*NAND share 2018)/162.83; DRAM: Samsung 43.5 + "
                           "SK hynix 29.2 = KR, Micron 22.3 = US, Nanya 2.8 + Winbond 0.9 + PSMC 0.4 = TW; NAND: Samsung "
                           "35.0 + SK hynix 10.6 = KR, Toshiba 19.2 = JP, WDC 14.9 + Micron 12.9 = US; unnamed remainders "
                           "(incl. Intel) = other; weights: DRAM 2018 sales 99.655 USD bn, NAND 2018 = 22.109/0.35 "
                           f"| {DRAM_SRC} ; {NAND_SRC}",
                    use="build", licence="",
                    notes="memory is absent from ETO; company revenue shares by headquarters. By site China's share is "
                          "larger (Samsung Xi'an NAND, SK hynix Wuxi DRAM are in China) — see firms.csv; mixed years "
                          "(DRAM 4Q2019, NAND 2018)"))
        elif node in SOURCED_SHARES:
            d = SOURCED_SHARES[node]
            agg = {reg: d["shares"].get(reg, 0.0) for reg in REGIONS}
            agg = round_to_one(agg)
            for reg in REGIONS:
                rows.append(dict(
                    node=node, country=reg, share=agg[reg], basis=d["basis"], year=d["year"],
                    source=d["source"], use="build", licence="", notes=d["notes"]))
        else:
            ranges, basis, note = UNSOURCED_SHARES[node]
            for reg in REGIONS:
                lo, hi = ranges[reg]
                rows.append(dict(
                    node=node, country=reg, share="", basis=basis, year=2014, low=lo, high=hi,
                    source=f"UNSOURCED: global supply share of {node} by {basis} country",
                    use="build", licence=ETO_LICENCE if "ETO" in note else "", notes=note))
    return rows


def build_nodes() -> list[dict]:
    rows = []
    for node in NODE_ORDER:
        label, tm, ta = NODE_LABELS[node]
        m = MARKETS[node]
        eto_ids = NODE_ETO.get(node, (None, None, None))[2]
        lic = ETO_LICENCE if (node in NODE_ETO or "ETO" in m["notes"].replace(ETO_EMPTY, "")) else ""
        notes = m["notes"] + (f". ETO inputs mapped to this node: {eto_ids}" if eto_ids else "")
        if "value" in m:
            rows.append(dict(node=node, sector=NODE_SECTOR[node], label=label, tier_mature=tm, tier_advanced=ta,
                             global_market_usd_bn=m["value"], market_year=m["year"], source=m["source"],
                             use="build", licence=lic, notes=notes))
        else:
            rows.append(dict(node=node, sector=NODE_SECTOR[node], label=label, tier_mature=tm, tier_advanced=ta,
                             global_market_usd_bn="", market_year=2019, low=m["low"], high=m["high"],
                             source=f"UNSOURCED: global market size of {node} (USD bn)",
                             use="build", licence=lic, notes=notes))
    return rows


def build_node_inputs() -> list[dict]:
    rows = []
    seen = set()

    def add(node, inp, how, lic):
        if (node, inp) in seen:
            return
        seen.add((node, inp))
        lo, hi = WEIGHTS[node][inp]
        rows.append(dict(node=node, input=inp, weight="", low=lo, high=hi,
                         source="UNSOURCED: cost-share weight of input in node", use="build", licence=lic,
                         notes=how))

    for node, inp, how in ETO_EDGES:
        add(node, inp, "edge DERIVED from ETO sequence.csv: " + how + " (" + ETO_SRC.format(file="sequence.csv")
            .split(" — ")[1].split(" ;")[0] + "); weight range is a prior", ETO_LICENCE)
    for node, inp in ANALOGY_EDGES:
        add(node, inp, "edge by analogy with the ETO logic-fab chain (memory and power devices are not in ETO); "
                       "weight range is a prior", "")
    for node, inp in CROSS_EDGES:
        add(node, inp, EDGE_NOTES.get((node, inp), "cross-sector edge (design brief / seeds); weight range is a prior"), "")
    rows.sort(key=lambda r: (NODE_ORDER.index(r["node"]), NODE_ORDER.index(r["input"])))
    return rows


def check_dag(rows: list[dict]) -> None:
    graph = defaultdict(set)
    for r in rows:
        graph[r["node"]].add(r["input"])
    state: dict[str, int] = {}

    def visit(n, path):
        if state.get(n) == 1:
            raise ValueError("cycle: " + " -> ".join(path + [n]))
        if state.get(n) == 2:
            return
        state[n] = 1
        for m in graph[n]:
            visit(m, path + [n])
        state[n] = 2

    for n in list(graph):
        visit(n, [])
    for n, ins in graph.items():
        if sum(WEIGHTS[n][i][1] for i in ins) > 1 + 1e-12:
            raise ValueError(f"weights of {n} exceed 1")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eto", type=Path, default=DEFAULT_ETO)
    ap.add_argument("--out", type=Path, default=HERE)
    a = ap.parse_args(argv)
    nodes = build_nodes()
    write(a.out / "nodes.csv", ["node", "sector", "label", "tier_mature", "tier_advanced", "global_market_usd_bn",
                                "market_year", "low", "high", "source", "use", "licence", "notes"], nodes)
    edges = build_node_inputs()
    check_dag(edges)
    write(a.out / "node_inputs.csv", ["node", "input", "weight", "low", "high", "source", "use", "licence", "notes"],
          edges)
    shares = build_supply_shares(a.eto)
    write(a.out / "supply_shares.csv", ["node", "country", "share", "low", "high", "basis", "year", "source", "use",
                                        "licence", "notes"], shares)
    print(f"wrote {len(nodes)} nodes, {len(edges)} edges, {len(shares)} share rows to {a.out}")


if __name__ == "__main__":
    main()
