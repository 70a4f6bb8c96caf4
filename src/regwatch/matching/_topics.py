"""The built-in technology taxonomy that ``topics:`` watch items name.

Two public lists, merged where they overlap:

- the 14 representative emerging-technology categories of the Export Control Reform Act of
  2018, as BIS listed them in its advance notice of proposed rulemaking (83 FR 58201,
  19 November 2018);
- the technology fields of Japan's Economic Security Promotion Act (経済安全保障推進法)
  "specified critical technologies" (特定重要技術), as the Cabinet's 2022 basic guidelines
  list them.

Each topic is a set of English and Japanese terms; a topic matches an event whose title,
summary or entity text contains one of its terms (see :mod:`._keywords`).  The documentation
(``docs/matching.md``, "Topics") prints this table.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TOPICS", "Topic"]


@dataclass(frozen=True, slots=True)
class Topic:
    slug: str
    title: str
    #: ``ECRA`` (the 14 categories), ``JP`` (Japan's fields), or both
    origin: tuple[str, ...]
    terms_en: tuple[str, ...]
    terms_ja: tuple[str, ...]

    @property
    def terms(self) -> tuple[str, ...]:
        return self.terms_en + self.terms_ja


TOPICS: dict[str, Topic] = {
    t.slug: t
    for t in (
        Topic(
            "biotechnology",
            "Biotechnology",
            ("ECRA", "JP"),
            (
                "biotechnology", "synthetic biology", "genome editing", "gene editing",
                "genetic engineering", "nanobiology", "genomic", "bioinformatics",
            ),
            ("バイオテクノロジー", "バイオ技術", "合成生物学", "ゲノム編集", "遺伝子工学"),
        ),
        Topic(
            "ai-ml",
            "Artificial intelligence and machine learning",
            ("ECRA", "JP"),
            (
                "artificial intelligence", "machine learning", "neural network", "deep learning",
                "computer vision", "speech recognition", "natural language processing",
                "AI model", "model weights",
            ),
            ("人工知能", "機械学習", "ニューラルネットワーク", "深層学習", "ディープラーニング"),
        ),
        Topic(
            "pnt",
            "Position, navigation and timing",
            ("ECRA", "JP"),
            ("position, navigation, and timing", "navigation and timing", "GNSS", "GPS",
             "inertial navigation", "atomic clock"),
            ("測位", "航法", "衛星測位", "慣性航法", "原子時計"),
        ),
        Topic(
            "microprocessors",
            "Microprocessors and semiconductors",
            ("ECRA", "JP"),
            (
                "microprocessor", "semiconductor", "integrated circuit", "system on chip",
                "systems-on-chip", "stacked memory", "wafer", "lithography",
                "semiconductor manufacturing equipment", "EUV",
            ),
            ("マイクロプロセッサ", "半導体", "集積回路", "半導体製造装置", "露光装置", "ウエハ"),
        ),
        Topic(
            "advanced-computing",
            "Advanced computing",
            ("ECRA", "JP"),
            (
                "advanced computing", "supercomputer", "supercomputing",
                "high-performance computing", "exascale", "memory-centric", "data center",
                "datacenter",
            ),
            ("先端コンピューティング", "スーパーコンピュータ", "スーパーコンピューター",
             "高性能計算", "データセンター"),
        ),
        Topic(
            "data-analytics",
            "Data analytics",
            ("ECRA", "JP"),
            ("data analytics", "data science", "visualization", "big data"),
            ("データ科学", "データ分析", "ビッグデータ"),
        ),
        Topic(
            "quantum",
            "Quantum information and sensing",
            ("ECRA", "JP"),
            (
                "quantum computing", "quantum computer", "quantum sensing", "quantum encryption",
                "quantum cryptography", "quantum information", "quantum communication",
                "post-quantum", "qubit", "dilution refrigerator", "cryogenic",
            ),
            ("量子", "量子コンピュータ", "量子暗号", "量子センシング", "量子情報"),
        ),
        Topic(
            "logistics",
            "Logistics technology",
            ("ECRA",),
            ("logistics technology", "mobile electric power", "total asset visibility",
             "distribution-based logistics"),
            ("物流技術",),
        ),
        Topic(
            "additive-manufacturing",
            "Additive manufacturing",
            ("ECRA", "JP"),
            ("additive manufacturing", "3D printing", "3D printer"),
            ("積層造形", "付加製造", "3Dプリンタ", "3Dプリンター"),
        ),
        Topic(
            "robotics",
            "Robotics",
            ("ECRA", "JP"),
            ("robotics", "robot", "micro-drone", "micro-robotic", "swarming", "self-assembling",
             "unmanned aerial", "drone"),
            ("ロボット", "ロボティクス", "ドローン", "無人航空機"),
        ),
        Topic(
            "brain-computer-interfaces",
            "Brain-computer interfaces",
            ("ECRA", "JP"),
            ("brain-computer interface", "neural-controlled interface", "mind-machine interface",
             "neural interface"),
            ("ブレイン・コンピュータ・インタフェース", "脳コンピュータ",
             "ブレインマシンインターフェース"),
        ),
        Topic(
            "hypersonics",
            "Hypersonics",
            ("ECRA", "JP"),
            ("hypersonic", "scramjet", "flight control algorithms", "propulsion systems",
             "thermal protection"),
            ("極超音速", "スクラムジェット"),
        ),
        Topic(
            "advanced-materials",
            "Advanced materials",
            ("ECRA", "JP"),
            ("advanced materials", "adaptive camouflage", "functional textiles", "metamaterial",
             "nanomaterial", "carbon fiber", "rare earth", "gallium", "germanium", "graphite"),
            ("先端材料", "新素材", "炭素繊維", "レアアース", "ガリウム", "ゲルマニウム", "黒鉛"),
        ),
        Topic(
            "advanced-surveillance",
            "Advanced surveillance technologies",
            ("ECRA", "JP"),
            ("surveillance", "faceprint", "voiceprint", "facial recognition", "biometric",
             "intrusion software", "spyware", "lawful interception"),
            ("監視技術", "顔認証", "生体認証", "監視カメラ"),
        ),
        Topic(
            "medical-public-health",
            "Medical and public health technology (incl. genomics)",
            ("JP",),
            ("vaccine", "pathogen", "public health", "genomics", "medical countermeasures"),
            ("医療", "公衆衛生", "ワクチン", "病原体", "ゲノム"),
        ),
        Topic(
            "advanced-engineering-manufacturing",
            "Advanced engineering and manufacturing",
            ("JP",),
            ("machine tool", "machine tools", "advanced manufacturing", "precision machining",
             "computer numerical control", "CNC"),
            ("工作機械", "先端製造", "精密加工", "数値制御"),
        ),
        Topic(
            "energy-storage",
            "Advanced energy and energy storage",
            ("JP",),
            ("battery", "batteries", "energy storage", "lithium-ion", "fuel cell",
             "nuclear fusion", "hydrogen"),
            ("蓄電池", "エネルギー貯蔵", "蓄エネルギー", "リチウムイオン", "燃料電池", "核融合",
             "水素"),
        ),
        Topic(
            "communications-networks",
            "Advanced information and communications networks",
            ("JP",),
            ("5G", "6G", "telecommunications", "optical communication", "undersea cable",
             "submarine cable", "satellite communication"),
            ("情報通信", "通信ネットワーク", "光通信", "海底ケーブル", "衛星通信"),
        ),
        Topic(
            "cybersecurity",
            "Cybersecurity",
            ("JP",),
            ("cybersecurity", "cyber security", "encryption", "cryptography", "cryptographic",
             "intrusion detection", "vulnerability"),
            ("サイバーセキュリティ", "暗号", "情報セキュリティ"),
        ),
        Topic(
            "space",
            "Space technology",
            ("JP",),
            ("space technology", "outer space", "satellite", "launch vehicle", "spacecraft",
             "remote sensing"),
            ("宇宙", "人工衛星", "衛星", "ロケット", "リモートセンシング"),
        ),
        Topic(
            "ocean",
            "Ocean and maritime technology",
            ("JP",),
            ("underwater", "unmanned underwater vehicle", "submersible", "sonar",
             "maritime domain"),
            ("海洋", "水中無人機", "無人潜水機", "ソナー"),
        ),
        Topic(
            "transportation",
            "Transportation technology",
            ("JP",),
            ("autonomous vehicle", "autonomous driving", "electric vehicle", "aircraft engine",
             "unmanned vehicle"),
            ("自動運転", "電気自動車", "航空機エンジン", "輸送技術"),
        ),
        Topic(
            "cbrn",
            "Chemical, biological, radiological and nuclear (CBRN)",
            ("JP",),
            ("chemical weapons", "biological weapons", "nuclear", "radiological", "CBRN",
             "weapons of mass destruction", "precursor chemicals", "uranium enrichment"),
            ("化学兵器", "生物兵器", "核兵器", "核物質", "放射性", "大量破壊兵器", "ウラン濃縮"),
        ),
    )
}  # fmt: skip
